import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log (API.md §8): append-only, one row per mutating operation and per auth event.
 * No foreign keys: an event outlives whatever it describes.
 */
export class AuditEvents1795314000000 implements MigrationInterface {
  name = 'AuditEvents1795314000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        request_id text NOT NULL,
        user_id uuid,
        operation text NOT NULL,
        resource_type text,
        resource_id text,
        casefile_id uuid,
        status text NOT NULL CHECK (status IN ('success', 'failure')),
        http_status integer NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        ip text,
        user_agent text
      )`);
    await queryRunner.query(
      'CREATE INDEX audit_events_at_id_idx ON audit_events (at DESC, id DESC)',
    );
    await queryRunner.query(
      'CREATE INDEX audit_events_user_at_idx ON audit_events (user_id, at DESC)',
    );
    await queryRunner.query(
      'CREATE INDEX audit_events_operation_at_idx ON audit_events (operation, at DESC)',
    );
    await queryRunner.query(
      'CREATE INDEX audit_events_casefile_at_idx ON audit_events (casefile_id, at DESC) WHERE casefile_id IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE audit_events');
  }
}
