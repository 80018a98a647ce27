import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sync sources (API.md §7.1): a casefile's standing pull from Google through its creator's
 * connection, run on an interval or on demand as sync jobs (`sync_jobs.source_id`; one queued or
 * running job per source, decided by a unique index), each starting from the state (`history_id`,
 * `page_token`, `modified_time`) the last successful one left. A job counts what it removed and the items it skipped (refused by the import), and
 * numbers its changes (`seq`: its event stream's ids).
 * Items a sync finds removed at the source are soft-deleted (`removed_at`, `removed_by_job`) and
 * leave lists, search and tools. A connection keeps its last access token sealed.
 */
const LIST_INDEXES = [
  ['gmail_messages_casefile_sent_idx', 'gmail_messages', 'casefile_id, sent_at, id'],
  ['drive_files_casefile_modified_idx', 'drive_files', 'casefile_id, modified_at, id'],
  ['sheet_ranges_casefile_created_idx', 'sheet_ranges', 'casefile_id, created_at, id'],
] as const;

export class SyncSources1795359600000 implements MigrationInterface {
  name = 'SyncSources1795359600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sync_sources (
        id uuid PRIMARY KEY,
        casefile_id uuid NOT NULL,
        created_by uuid NOT NULL,
        connection_id uuid NOT NULL,
        source text NOT NULL,
        params jsonb NOT NULL,
        interval_minutes integer NOT NULL DEFAULT 60,
        paused boolean NOT NULL DEFAULT false,
        pause_reason jsonb,
        state jsonb NOT NULL DEFAULT '{}',
        next_run_at timestamptz(3) NOT NULL DEFAULT now(),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT sync_sources_casefile_id_fkey
          FOREIGN KEY (casefile_id) REFERENCES casefiles (id) ON DELETE CASCADE,
        CONSTRAINT sync_sources_created_by_fkey
          FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE CASCADE,
        CONSTRAINT sync_sources_connection_id_fkey
          FOREIGN KEY (connection_id) REFERENCES google_connections (id) ON DELETE CASCADE,
        CONSTRAINT sync_sources_source_check CHECK (source IN ('gmail', 'drive', 'sheets')),
        CONSTRAINT sync_sources_interval_check CHECK (interval_minutes BETWEEN 5 AND 1440)
      )`);
    await queryRunner.query(
      'CREATE INDEX sync_sources_casefile_created_idx ON sync_sources (casefile_id, created_at, id)',
    );
    await queryRunner.query(
      'CREATE INDEX sync_sources_due_idx ON sync_sources (next_run_at) WHERE NOT paused',
    );
    await queryRunner.query(`
      ALTER TABLE sync_jobs
        ADD COLUMN source_id uuid,
        ADD COLUMN removed integer NOT NULL DEFAULT 0,
        ADD COLUMN skipped integer NOT NULL DEFAULT 0,
        ADD COLUMN seq integer NOT NULL DEFAULT 0,
        ADD CONSTRAINT sync_jobs_source_id_fkey
          FOREIGN KEY (source_id) REFERENCES sync_sources (id) ON DELETE SET NULL`);
    await queryRunner.query(
      'CREATE INDEX sync_jobs_source_created_idx ON sync_jobs (source_id, created_at, id)',
    );
    await queryRunner.query(
      'CREATE INDEX sync_sources_connection_idx ON sync_sources (connection_id)',
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX sync_jobs_source_active_idx ON sync_jobs (source_id) WHERE status IN ('queued', 'running')`,
    );
    for (const table of ['gmail_messages', 'drive_files', 'sheet_ranges']) {
      await queryRunner.query(
        `ALTER TABLE ${table} ADD COLUMN removed_at timestamptz(3), ADD COLUMN removed_by_job uuid`,
      );
    }
    // lists and counts read only what is not removed: their indexes hold only that (a count
    // stays an index-only scan)
    for (const [index, table, columns] of LIST_INDEXES) {
      await queryRunner.query(`DROP INDEX ${index}`);
      await queryRunner.query(
        `CREATE INDEX ${index} ON ${table} (${columns}) WHERE removed_at IS NULL`,
      );
    }
    await queryRunner.query(`
      ALTER TABLE google_connections
        ADD COLUMN access_token text,
        ADD COLUMN access_token_expires_at timestamptz(3),
        ADD CONSTRAINT google_connections_access_token_check
          CHECK (status = 'active' OR access_token IS NULL)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE google_connections DROP CONSTRAINT google_connections_access_token_check,
        DROP COLUMN access_token_expires_at, DROP COLUMN access_token`);
    for (const [index, table, columns] of LIST_INDEXES) {
      await queryRunner.query(`DROP INDEX ${index}`);
      await queryRunner.query(`CREATE INDEX ${index} ON ${table} (${columns})`);
    }
    for (const table of ['gmail_messages', 'drive_files', 'sheet_ranges']) {
      await queryRunner.query(
        `ALTER TABLE ${table} DROP COLUMN removed_by_job, DROP COLUMN removed_at`,
      );
    }
    await queryRunner.query('DROP INDEX sync_jobs_source_active_idx');
    await queryRunner.query('DROP INDEX sync_jobs_source_created_idx');
    await queryRunner.query(
      'ALTER TABLE sync_jobs DROP COLUMN seq, DROP COLUMN skipped, DROP COLUMN removed, DROP COLUMN source_id',
    );
    await queryRunner.query('DROP TABLE sync_sources');
  }
}
