import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Google connections (API.md §7.1): a user's Google account, connected once through OAuth
 * (authorization code with PKCE, offline access). `pending` while the browser is at Google (the
 * hash of the `state` it carries, the PKCE verifier sealed, where to send it back), then until
 * the user confirms it (the code Google sent, sealed, and the hash of the confirmation the
 * browser was given); `active` with the refresh token sealed; `revoked` with the token forgotten.
 */
export class GoogleConnections1795352400000 implements MigrationInterface {
  name = 'GoogleConnections1795352400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE google_connections (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        email text,
        scopes text[] NOT NULL DEFAULT '{}',
        refresh_token text,
        state_hash text,
        code_verifier text,
        code text,
        confirmation_hash text,
        return_url text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        authorized_at timestamptz(3),
        last_used_at timestamptz(3),
        revoked_at timestamptz(3),
        CONSTRAINT google_connections_user_id_fkey
          FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
        CONSTRAINT google_connections_status_check
          CHECK (status IN ('pending', 'active', 'revoked')),
        CONSTRAINT google_connections_token_check
          CHECK (status = 'active' OR refresh_token IS NULL),
        CONSTRAINT google_connections_pending_check
          CHECK (status = 'pending' OR (state_hash IS NULL AND code_verifier IS NULL AND code IS NULL AND confirmation_hash IS NULL))
      )`);
    await queryRunner.query(
      'CREATE UNIQUE INDEX google_connections_state_idx ON google_connections (state_hash) WHERE state_hash IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX google_connections_user_idx ON google_connections (user_id, created_at, id)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE google_connections');
  }
}
