import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tamper evidence for the audit log: a background job seals events into a SHA-256 chain
 * (seq, prev_hash, hash); audit_chain_head keeps the last link, so deleting the newest sealed
 * events is detected too.
 */
export class AuditSealing1795316100000 implements MigrationInterface {
  name = 'AuditSealing1795316100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE audit_events
        ADD COLUMN seq bigint,
        ADD COLUMN prev_hash text,
        ADD COLUMN hash text,
        ADD COLUMN sealed_at timestamptz`);
    await queryRunner.query(
      'CREATE UNIQUE INDEX audit_events_seq_key ON audit_events (seq) WHERE seq IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX audit_events_unsealed_idx ON audit_events (at, id) WHERE seq IS NULL',
    );
    await queryRunner.query(`
      CREATE TABLE audit_chain_head (
        id smallint PRIMARY KEY CHECK (id = 1),
        last_seq bigint NOT NULL,
        last_hash text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE audit_chain_head');
    await queryRunner.query('DROP INDEX audit_events_unsealed_idx');
    await queryRunner.query('DROP INDEX audit_events_seq_key');
    await queryRunner.query(
      'ALTER TABLE audit_events DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN hash, DROP COLUMN sealed_at',
    );
  }
}
