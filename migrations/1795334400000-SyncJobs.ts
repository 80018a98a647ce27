import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sync jobs (API.md §7): what a client asked to pull from Google into a casefile, and how far it
 * got. The queue itself is pg-boss's (its own `pgboss` schema, which pg-boss creates and migrates);
 * this is the job as the API shows it, plus the resume point (`cursor`) that each imported page
 * moves in the same transaction, and `attempt`, the fencing number of the run that may write. The
 * access token (sealed) lives only while the job may still run.
 */
export class SyncJobs1795334400000 implements MigrationInterface {
  name = 'SyncJobs1795334400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sync_jobs (
        id uuid PRIMARY KEY,
        casefile_id uuid NOT NULL REFERENCES casefiles (id) ON DELETE CASCADE,
        source text NOT NULL CHECK (source IN ('gmail', 'drive', 'sheets')),
        params jsonb NOT NULL,
        access_token text,
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        attempt integer NOT NULL DEFAULT 0,
        cursor jsonb,
        fetched integer NOT NULL DEFAULT 0,
        created integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        unchanged integer NOT NULL DEFAULT 0,
        error jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        started_at timestamptz(3),
        finished_at timestamptz(3),
        CONSTRAINT sync_jobs_token_check
          CHECK (status IN ('queued', 'running') OR access_token IS NULL)
      )`);
    await queryRunner.query('CREATE INDEX sync_jobs_casefile_idx ON sync_jobs (casefile_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE sync_jobs');
  }
}
