import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users, logins (one per token family) and refresh tokens (ARCHITECTURE §3).
 * Email and username are unique case-insensitively; refresh tokens are stored only as hashes.
 */
export class Identity1795309200000 implements MigrationInterface {
  name = 'Identity1795309200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        username text NOT NULL,
        display_name text,
        password_hash text NOT NULL,
        role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin', 'super_admin')),
        is_active boolean NOT NULL DEFAULT true,
        two_factor_secret text,
        two_factor_enabled boolean NOT NULL DEFAULT false,
        failed_login_count integer NOT NULL DEFAULT 0,
        failed_login_window_start timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE UNIQUE INDEX users_email_key ON users (lower(email))');
    await queryRunner.query('CREATE UNIQUE INDEX users_username_key ON users (lower(username))');
    await queryRunner.query('CREATE INDEX users_created_at_id_idx ON users (created_at, id)');

    await queryRunner.query(`
      CREATE TABLE auth_logins (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        second_factor boolean NOT NULL DEFAULT false,
        ip text,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        revoked_reason text
      )`);
    await queryRunner.query(
      'CREATE INDEX auth_logins_user_active_idx ON auth_logins (user_id) WHERE revoked_at IS NULL',
    );

    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY,
        login_id uuid NOT NULL REFERENCES auth_logins (id) ON DELETE CASCADE,
        parent_id uuid REFERENCES refresh_tokens (id) ON DELETE SET NULL,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await queryRunner.query('CREATE INDEX refresh_tokens_login_idx ON refresh_tokens (login_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE refresh_tokens');
    await queryRunner.query('DROP TABLE auth_logins');
    await queryRunner.query('DROP TABLE users');
  }
}
