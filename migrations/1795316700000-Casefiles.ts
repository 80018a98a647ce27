import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Casefiles, their permission grants and tool sessions (API.md §4, §5).
 *
 * The owner is `casefiles.owner_id`, never a grant row, so there is exactly one. Soft-deleted
 * casefiles keep their row (`deleted_at`) for the audit trail; every user-facing index is partial
 * on `deleted_at IS NULL`, and each list query has the index its keyset order needs.
 */
export class Casefiles1795316700000 implements MigrationInterface {
  name = 'Casefiles1795316700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE casefiles (
        id uuid PRIMARY KEY,
        owner_id uuid NOT NULL REFERENCES users (id),
        title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
        description text CHECK (char_length(description) <= 10000),
        tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
        version integer NOT NULL DEFAULT 1,
        owner_since timestamptz NOT NULL DEFAULT now(),
        -- millisecond precision: exactly what the API shows, so a time a client read back
        -- (created_after=…, a query filter) compares equal to the stored one
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    // "my casefiles", newest/oldest first, by creation or by last change
    await queryRunner.query(
      'CREATE INDEX casefiles_owner_created_idx ON casefiles (owner_id, created_at, id) WHERE deleted_at IS NULL',
    );
    await queryRunner.query(
      'CREATE INDEX casefiles_owner_updated_idx ON casefiles (owner_id, updated_at, id) WHERE deleted_at IS NULL',
    );
    await queryRunner.query(
      'CREATE INDEX casefiles_owner_title_idx ON casefiles (owner_id, title, id) WHERE deleted_at IS NULL',
    );
    // the admin list (every casefile, deleted ones included on request)
    await queryRunner.query('CREATE INDEX casefiles_created_idx ON casefiles (created_at, id)');
    await queryRunner.query('CREATE INDEX casefiles_updated_idx ON casefiles (updated_at, id)');
    await queryRunner.query('CREATE INDEX casefiles_title_idx ON casefiles (title, id)');
    await queryRunner.query('CREATE INDEX casefiles_owner_idx ON casefiles (owner_id)');
    // `tag=` and the query API's tags operators; `q=` substring search
    await queryRunner.query(
      'CREATE INDEX casefiles_tags_idx ON casefiles USING gin (tags) WHERE deleted_at IS NULL',
    );
    await queryRunner.query(
      `CREATE INDEX casefiles_search_idx ON casefiles
         USING gin ((title || ' ' || coalesce(description, '')) gin_trgm_ops)
         WHERE deleted_at IS NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE casefile_permissions (
        casefile_id uuid NOT NULL REFERENCES casefiles (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        level text NOT NULL CHECK (level IN ('viewer', 'editor', 'manager')),
        granted_by uuid REFERENCES users (id) ON DELETE SET NULL,
        granted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (casefile_id, user_id)
      )`);
    // "casefiles shared with me"
    await queryRunner.query(
      'CREATE INDEX casefile_permissions_user_idx ON casefile_permissions (user_id, casefile_id)',
    );

    await queryRunner.query(`
      CREATE TABLE tool_sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        casefile_id uuid REFERENCES casefiles (id),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed', 'expired')),
        ttl_seconds integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_activity_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        closed_at timestamptz,
        request_count integer NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(
      'CREATE INDEX tool_sessions_user_created_idx ON tool_sessions (user_id, created_at, id)',
    );
    await queryRunner.query(
      'CREATE INDEX tool_sessions_casefile_idx ON tool_sessions (casefile_id) WHERE casefile_id IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE tool_sessions');
    await queryRunner.query('DROP TABLE casefile_permissions');
    await queryRunner.query('DROP TABLE casefiles');
  }
}
