import type { MigrationInterface, QueryRunner } from 'typeorm';

// A migration is history: copies of the entities' expressions as they were then (the schema
// e2e test finds any drift between the two).
const BEFORE = {
  gmail_messages:
    "setweight(to_tsvector('english'::regconfig, subject), 'A') || " +
    "setweight(to_tsvector('english'::regconfig, sender), 'B') || " +
    "setweight(to_tsvector('english'::regconfig, left(body_text, 100000)), 'C')",
  drive_files:
    "setweight(to_tsvector('english'::regconfig, name), 'A') || " +
    "setweight(to_tsvector('english'::regconfig, description), 'B') || " +
    "setweight(to_tsvector('english'::regconfig, left(content_text, 100000)), 'C')",
  sheet_ranges:
    "setweight(to_tsvector('english'::regconfig, sheet_title), 'A') || " +
    "setweight(jsonb_to_tsvector('english'::regconfig, header, '[\"string\"]'::jsonb), 'B') || " +
    "setweight(jsonb_to_tsvector('english'::regconfig, rows, '[\"string\", \"numeric\"]'::jsonb), 'C')",
};

const AFTER = {
  gmail_messages:
    "setweight(to_tsvector('english'::regconfig, left(subject, 2000)), 'A') || " +
    "setweight(to_tsvector('english'::regconfig, left(sender, 2000)), 'B') || " +
    "setweight(to_tsvector('english'::regconfig, left(body_text, 100000)), 'C')",
  drive_files:
    "setweight(to_tsvector('english'::regconfig, left(name, 2000)), 'A') || " +
    "setweight(to_tsvector('english'::regconfig, left(description, 10000)), 'B') || " +
    "setweight(to_tsvector('english'::regconfig, left(content_text, 100000)), 'C')",
  sheet_ranges:
    "setweight(to_tsvector('english'::regconfig, left(sheet_title, 2000)), 'A') || " +
    "setweight(to_tsvector('english'::regconfig, left(header::text, 10000)), 'B') || " +
    "setweight(to_tsvector('english'::regconfig, left(rows::text, 100000)), 'C')",
};

/**
 * Search indexes bounded text (issue 21): every part of a search document is a capped prefix
 * (2 000, 10 000 or 100 000 characters), so no row can pass PostgreSQL's 1 MiB tsvector limit
 * (a 9 MiB Drive description was a 500) and no document costs more than its caps to index. Text
 * beyond the caps is stored, just not searched. A sheet's cells are indexed as the text of their
 * JSON (a capped prefix of it), since a generated column cannot cap jsonb_to_tsvector's input.
 */
export class BoundedSearch1795345200000 implements MigrationInterface {
  name = 'BoundedSearch1795345200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await replaceSearch(queryRunner, AFTER);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await replaceSearch(queryRunner, BEFORE);
  }
}

/** A generated column's expression cannot be altered before PostgreSQL 17: drop and add it. */
async function replaceSearch(
  queryRunner: QueryRunner,
  expressions: Record<keyof typeof AFTER, string>,
): Promise<void> {
  for (const [table, expression] of Object.entries(expressions)) {
    await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN search`);
    await queryRunner.query(
      `ALTER TABLE ${table} ADD COLUMN search tsvector GENERATED ALWAYS AS (${expression}) STORED NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ${table}_search_idx ON ${table} USING gin (casefile_id, search)`,
    );
    await queryRunner.query(
      `UPDATE typeorm_metadata SET value = $2
        WHERE type = 'GENERATED_COLUMN' AND database = current_database() AND "table" = $1
          AND name = 'search'`,
      [table, expression],
    );
  }
}
