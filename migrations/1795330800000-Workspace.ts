import type { MigrationInterface, QueryRunner } from 'typeorm';
// A migration is history: these are copies of the entities' expressions as they were (the schema
// e2e test finds any drift between the two).
const GMAIL_SEARCH_SQL =
  "setweight(to_tsvector('english'::regconfig, subject), 'A') || " +
  "setweight(to_tsvector('english'::regconfig, sender), 'B') || " +
  "setweight(to_tsvector('english'::regconfig, left(body_text, 100000)), 'C')";
const DRIVE_SEARCH_SQL =
  "setweight(to_tsvector('english'::regconfig, name), 'A') || " +
  "setweight(to_tsvector('english'::regconfig, description), 'B') || " +
  "setweight(to_tsvector('english'::regconfig, left(content_text, 100000)), 'C')";
const SHEET_SEARCH_SQL =
  "setweight(to_tsvector('english'::regconfig, sheet_title), 'A') || " +
  "setweight(jsonb_to_tsvector('english'::regconfig, header, '[\"string\"]'::jsonb), 'B') || " +
  "setweight(jsonb_to_tsvector('english'::regconfig, rows, '[\"string\", \"numeric\"]'::jsonb), 'C')";

/** The generated search columns, as TypeORM records them to compare entities with the schema. */
const SEARCH_COLUMNS = [
  ['gmail_messages', GMAIL_SEARCH_SQL],
  ['drive_files', DRIVE_SEARCH_SQL],
  ['sheet_ranges', SHEET_SEARCH_SQL],
] as const;

/**
 * Workspace data (API.md §7): Gmail messages, Drive files and Sheets ranges imported into a
 * casefile, each unique on its Google key there (imports are upserts), each with a generated
 * `tsvector` search column under a GIN index. TypeORM keeps generated columns' expressions in its
 * own `typeorm_metadata` table (it makes the table when migrations run).
 */
export class Workspace1795330800000 implements MigrationInterface {
  name = 'Workspace1795330800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE gmail_messages (
        id uuid PRIMARY KEY,
        casefile_id uuid NOT NULL REFERENCES casefiles (id) ON DELETE CASCADE,
        google_id text NOT NULL,
        thread_id text,
        subject text NOT NULL,
        sender text NOT NULL,
        sender_address text NOT NULL,
        recipients_to text[] NOT NULL,
        recipients_cc text[] NOT NULL,
        sent_at timestamptz(3) NOT NULL,
        snippet text NOT NULL,
        labels text[] NOT NULL,
        body_text text NOT NULL,
        attachments text[] NOT NULL,
        search tsvector GENERATED ALWAYS AS (${GMAIL_SEARCH_SQL}) STORED NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT gmail_messages_casefile_google_key UNIQUE (casefile_id, google_id)
      )`);
    await queryRunner.query(
      'CREATE INDEX gmail_messages_casefile_sent_idx ON gmail_messages (casefile_id, sent_at, id)',
    );
    await queryRunner.query(`
      CREATE TABLE drive_files (
        id uuid PRIMARY KEY,
        casefile_id uuid NOT NULL REFERENCES casefiles (id) ON DELETE CASCADE,
        google_id text NOT NULL,
        name text NOT NULL,
        mime_type text NOT NULL,
        description text NOT NULL,
        modified_at timestamptz(3) NOT NULL,
        size_bytes bigint,
        web_view_link text,
        owners text[] NOT NULL,
        content_text text NOT NULL,
        search tsvector GENERATED ALWAYS AS (${DRIVE_SEARCH_SQL}) STORED NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT drive_files_casefile_google_key UNIQUE (casefile_id, google_id)
      )`);
    await queryRunner.query(
      'CREATE INDEX drive_files_casefile_modified_idx ON drive_files (casefile_id, modified_at, id)',
    );
    await queryRunner.query(`
      CREATE TABLE sheet_ranges (
        id uuid PRIMARY KEY,
        casefile_id uuid NOT NULL REFERENCES casefiles (id) ON DELETE CASCADE,
        spreadsheet_id text NOT NULL,
        sheet_title text NOT NULL,
        range text NOT NULL,
        header jsonb NOT NULL,
        rows jsonb NOT NULL,
        row_count integer NOT NULL,
        search tsvector GENERATED ALWAYS AS (${SHEET_SEARCH_SQL}) STORED NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT sheet_ranges_casefile_range_key UNIQUE (casefile_id, spreadsheet_id, range)
      )`);
    await queryRunner.query(
      'CREATE INDEX sheet_ranges_casefile_created_idx ON sheet_ranges (casefile_id, created_at, id)',
    );
    for (const [table] of SEARCH_COLUMNS) {
      await queryRunner.query(`CREATE INDEX ${table}_search_idx ON ${table} USING gin (search)`);
    }
    for (const [table, expression] of SEARCH_COLUMNS) {
      await queryRunner.query(
        `INSERT INTO typeorm_metadata (database, schema, "table", type, name, value)
         VALUES (current_database(), current_schema(), $1, 'GENERATED_COLUMN', 'search', $2)`,
        [table, expression],
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table] of SEARCH_COLUMNS) {
      await queryRunner.query(
        `DELETE FROM typeorm_metadata
          WHERE type = 'GENERATED_COLUMN' AND database = current_database() AND "table" = $1`,
        [table],
      );
    }
    await queryRunner.query('DROP TABLE sheet_ranges');
    await queryRunner.query('DROP TABLE drive_files');
    await queryRunner.query('DROP TABLE gmail_messages');
  }
}
