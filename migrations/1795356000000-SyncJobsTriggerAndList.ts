import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A sync job says what started it (`trigger`: one_shot — a client's access token, today's route;
 * manual and schedule — a sync source's), and a casefile's jobs are listed newest first
 * (`GET /casefiles/{id}/sync-jobs`), on an index in that order.
 */
export class SyncJobsTriggerAndList1795356000000 implements MigrationInterface {
  name = 'SyncJobsTriggerAndList1795356000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE sync_jobs ADD COLUMN trigger text NOT NULL DEFAULT 'one_shot'`,
    );
    await queryRunner.query(
      `ALTER TABLE sync_jobs ADD CONSTRAINT sync_jobs_trigger_check CHECK (trigger IN ('manual', 'schedule', 'one_shot'))`,
    );
    await queryRunner.query('DROP INDEX sync_jobs_casefile_idx');
    await queryRunner.query(
      'CREATE INDEX sync_jobs_casefile_created_idx ON sync_jobs (casefile_id, created_at, id)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX sync_jobs_casefile_created_idx');
    await queryRunner.query('CREATE INDEX sync_jobs_casefile_idx ON sync_jobs (casefile_id)');
    await queryRunner.query('ALTER TABLE sync_jobs DROP CONSTRAINT sync_jobs_trigger_check');
    await queryRunner.query('ALTER TABLE sync_jobs DROP COLUMN trigger');
  }
}
