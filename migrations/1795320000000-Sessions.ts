import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One session core, two kinds (API.md §5, §6): `tool_sessions` becomes `sessions` with a `kind`,
 * so the lifecycle (expiry, the busy flag, token binding, recreation) is one mechanism for tool
 * and chat sessions. Adds the busy lease (`busy_token`, `busy_until`: one request at a time per
 * session across instances, and a lease so a killed process cannot lock a session forever),
 * `replaced_by` (the session that replaced an expired bound one, so every request on the old
 * token lands in the same replacement), and `tool_requests`, the record of every execution.
 */
/**
 * Renames every constraint of `table` named `<from>…` to `<to>…`: whichever exist, since
 * PostgreSQL 18 also names the NOT NULL constraints and older servers do not.
 */
const renameConstraints = (table: string, from: string, to: string) => `
  DO $$
  DECLARE c record;
  BEGIN
    FOR c IN SELECT conname FROM pg_constraint
              WHERE conrelid = '${table}'::regclass AND starts_with(conname, '${from}')
    LOOP
      EXECUTE format('ALTER TABLE ${table} RENAME CONSTRAINT %I TO %I',
                     c.conname, '${to}' || substr(c.conname, ${from.length + 1}));
    END LOOP;
  END $$`;

export class Sessions1795320000000 implements MigrationInterface {
  name = 'Sessions1795320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE tool_sessions RENAME TO sessions');
    await queryRunner.query(renameConstraints('sessions', 'tool_sessions_', 'sessions_'));
    await queryRunner.query(`
      ALTER TABLE sessions
        ADD COLUMN kind text NOT NULL DEFAULT 'tool' CONSTRAINT sessions_kind_check CHECK (kind IN ('tool', 'chat')),
        ADD COLUMN busy_token uuid,
        ADD COLUMN busy_until timestamptz,
        ADD COLUMN replaced_by uuid`);
    await queryRunner.query('ALTER TABLE sessions ALTER COLUMN kind DROP DEFAULT');
    await queryRunner.query('DROP INDEX tool_sessions_user_created_idx');
    await queryRunner.query('DROP INDEX tool_sessions_casefile_idx');
    await queryRunner.query(
      'CREATE INDEX sessions_user_kind_created_idx ON sessions (user_id, kind, created_at, id)',
    );
    await queryRunner.query(
      'CREATE INDEX sessions_casefile_kind_idx ON sessions (casefile_id, kind) WHERE casefile_id IS NOT NULL',
    );
    // The sweep's scan: active sessions, by a column that never changes. Not by expires_at, which
    // every request moves: an indexed column changing makes each update write every index of the
    // table (no HOT update); this way the per-request updates (the busy lease, the activity) stay
    // heap-only, with the room fillfactor leaves on each page.
    await queryRunner.query(
      "CREATE INDEX sessions_active_idx ON sessions (created_at) WHERE status = 'active'",
    );
    await queryRunner.query('ALTER TABLE sessions SET (fillfactor = 80)');

    await queryRunner.query(`
      CREATE TABLE tool_requests (
        id uuid PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        tool text NOT NULL,
        parameters jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('succeeded', 'failed')),
        result jsonb,
        error jsonb,
        started_at timestamptz(3) NOT NULL,
        duration_ms integer NOT NULL
      )`);
    await queryRunner.query(
      'CREATE INDEX tool_requests_session_started_idx ON tool_requests (session_id, started_at, id)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE tool_requests');
    await queryRunner.query("DELETE FROM sessions WHERE kind <> 'tool'");
    await queryRunner.query('ALTER TABLE sessions RESET (fillfactor)');
    await queryRunner.query('DROP INDEX sessions_active_idx');
    await queryRunner.query('DROP INDEX sessions_casefile_kind_idx');
    await queryRunner.query('DROP INDEX sessions_user_kind_created_idx');
    await queryRunner.query(
      'ALTER TABLE sessions DROP COLUMN kind, DROP COLUMN busy_token, DROP COLUMN busy_until, DROP COLUMN replaced_by',
    );
    await queryRunner.query(
      'CREATE INDEX tool_sessions_casefile_idx ON sessions (casefile_id) WHERE casefile_id IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX tool_sessions_user_created_idx ON sessions (user_id, created_at, id)',
    );
    await queryRunner.query(renameConstraints('sessions', 'sessions_', 'tool_sessions_'));
    await queryRunner.query('ALTER TABLE sessions RENAME TO tool_sessions');
  }
}
