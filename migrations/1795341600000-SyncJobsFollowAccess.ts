import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sync jobs follow their creator's access (issue 21): `created_by` says whose access a job runs
 * on (its runs stop when that user is no longer an editor of the casefile), and a job can be
 * `cancelled`. Jobs from before are given their creator from the audit log, where
 * `create_sync_job` named the job; one whose event is gone, or whose user is, keeps NULL and is
 * checked only for its casefile.
 */
export class SyncJobsFollowAccess1795341600000 implements MigrationInterface {
  name = 'SyncJobsFollowAccess1795341600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE sync_jobs ADD COLUMN created_by uuid REFERENCES users (id) ON DELETE SET NULL',
    );
    await queryRunner.query(`
      UPDATE sync_jobs j SET created_by = a.user_id
        FROM audit_events a JOIN users u ON u.id = a.user_id
       WHERE a.operation = 'create_sync_job' AND a.status = 'success'
         AND a.resource_id = j.id::text`);
    await queryRunner.query('ALTER TABLE sync_jobs DROP CONSTRAINT sync_jobs_status_check');
    await queryRunner.query(`
      ALTER TABLE sync_jobs ADD CONSTRAINT sync_jobs_status_check
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // the old CHECK has no `cancelled`: those jobs read as failed, with the reason in `error`
    await queryRunner.query(`
      UPDATE sync_jobs
         SET status = 'failed',
             error = '{"code": "CANCELLED", "message": "The sync job was cancelled"}'
       WHERE status = 'cancelled'`);
    await queryRunner.query('ALTER TABLE sync_jobs DROP CONSTRAINT sync_jobs_status_check');
    await queryRunner.query(`
      ALTER TABLE sync_jobs ADD CONSTRAINT sync_jobs_status_check
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed'))`);
    await queryRunner.query('ALTER TABLE sync_jobs DROP COLUMN created_by');
  }
}
