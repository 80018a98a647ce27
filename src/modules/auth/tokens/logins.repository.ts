import { Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import type { Role } from '../../../core/hub/actor';
import { Sql } from '../../../platform/database/sql';

/** What the auth guard needs to know about a login on every request (cached). */
export interface LoginState {
  userId: string;
  role: Role;
  secondFactor: boolean;
  /** False once the login is revoked or its user disabled. */
  active: boolean;
}

export interface RefreshTokenRow {
  id: string;
  loginId: string;
  userId: string;
  expiresAt: Date;
  usedAt: Date | null;
  loginRevoked: boolean;
  userActive: boolean;
}

@Injectable()
export class LoginsRepository {
  constructor(private readonly sql: Sql) {}

  async createLogin(login: {
    userId: string;
    secondFactor: boolean;
    ip: string | undefined;
    userAgent: string | undefined;
  }): Promise<string> {
    const id = uuidv7();
    await this.sql.count(
      `INSERT INTO auth_logins (id, user_id, second_factor, ip, user_agent)
       VALUES ($1, $2, $3, $4, $5)`,
      [
        id,
        login.userId,
        login.secondFactor,
        login.ip ?? null,
        login.userAgent?.slice(0, 512) ?? null,
      ],
    );
    return id;
  }

  async insertRefreshToken(token: {
    loginId: string;
    parentId: string | null;
    tokenHash: string;
    expiresAt: Date;
  }): Promise<void> {
    await this.sql.count(
      `INSERT INTO refresh_tokens (id, login_id, parent_id, token_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [uuidv7(), token.loginId, token.parentId, token.tokenHash, token.expiresAt],
    );
  }

  /** The token with its login and user, locked, so two refreshes of one token run in turn. */
  findRefreshTokenForUpdate(tokenHash: string): Promise<RefreshTokenRow | undefined> {
    return this.sql.one<RefreshTokenRow>(
      `SELECT rt.id, rt.login_id AS "loginId", l.user_id AS "userId", rt.expires_at AS "expiresAt",
              rt.used_at AS "usedAt", l.revoked_at IS NOT NULL AS "loginRevoked",
              u.is_active AS "userActive"
         FROM refresh_tokens rt
         JOIN auth_logins l ON l.id = rt.login_id
         JOIN users u ON u.id = l.user_id
        WHERE rt.token_hash = $1
        FOR UPDATE OF rt`,
      [tokenHash],
    );
  }

  async markRefreshTokenUsed(id: string): Promise<void> {
    await this.sql.count('UPDATE refresh_tokens SET used_at = now() WHERE id = $1', [id]);
  }

  /** Revokes one login; returns whether it was still active. */
  async revokeLogin(loginId: string, reason: string): Promise<boolean> {
    const count = await this.sql.count(
      `UPDATE auth_logins SET revoked_at = now(), revoked_reason = $2
        WHERE id = $1 AND revoked_at IS NULL`,
      [loginId, reason],
    );
    return count > 0;
  }

  /** Revokes every active login of a user; returns their ids (to invalidate caches). */
  async revokeAllLogins(userId: string, reason: string): Promise<string[]> {
    const rows = await this.sql.rows<{ id: string }>(
      `UPDATE auth_logins SET revoked_at = now(), revoked_reason = $2
        WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
      [userId, reason],
    );
    return rows.map((row) => row.id);
  }

  async activeLoginIds(userId: string): Promise<string[]> {
    const rows = await this.sql.rows<{ id: string }>(
      'SELECT id FROM auth_logins WHERE user_id = $1 AND revoked_at IS NULL',
      [userId],
    );
    return rows.map((row) => row.id);
  }

  loadState(loginId: string): Promise<LoginState | undefined> {
    return this.sql.one<LoginState>(
      `SELECT l.user_id AS "userId", u.role, l.second_factor AS "secondFactor",
              (l.revoked_at IS NULL AND u.is_active) AS active
         FROM auth_logins l JOIN users u ON u.id = l.user_id
        WHERE l.id = $1`,
      [loginId],
    );
  }
}
