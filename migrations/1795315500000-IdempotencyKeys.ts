import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Idempotency-Key records (API.md §1.3): one per (scope, route, key), 24 h. */
export class IdempotencyKeys1795315500000 implements MigrationInterface {
  name = 'IdempotencyKeys1795315500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        scope text NOT NULL,
        route text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status text NOT NULL CHECK (status IN ('in_progress', 'completed')),
        response_status integer,
        response_body jsonb,
        locked_until timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, route, key)
      )`);
    await queryRunner.query(
      'CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE idempotency_keys');
  }
}
