import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { uuidv7 } from 'uuidv7';
import type { Role } from '../../../core/hub/actor';
import { LoginEntity } from './login.entity';
import { RefreshTokenEntity } from './refresh-token.entity';

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
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  async createLogin(login: {
    userId: string;
    secondFactor: boolean;
    ip: string | undefined;
    userAgent: string | undefined;
  }): Promise<string> {
    const id = uuidv7();
    await this.txHost.tx.getRepository(LoginEntity).insert({
      id,
      userId: login.userId,
      secondFactor: login.secondFactor,
      ip: login.ip ?? null,
      userAgent: login.userAgent?.slice(0, 512) ?? null,
    });
    return id;
  }

  async insertRefreshToken(token: {
    loginId: string;
    parentId: string | null;
    tokenHash: string;
    expiresAt: Date;
  }): Promise<void> {
    await this.txHost.tx.getRepository(RefreshTokenEntity).insert({ id: uuidv7(), ...token });
  }

  /** The token with its login and user, locked, so two refreshes of one token run in turn. */
  async findRefreshTokenForUpdate(tokenHash: string): Promise<RefreshTokenRow | undefined> {
    const [row] = await this.txHost.tx.query<RefreshTokenRow[]>(
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
    return row;
  }

  async markRefreshTokenUsed(id: string): Promise<void> {
    await this.txHost.tx
      .getRepository(RefreshTokenEntity)
      .update({ id }, { usedAt: () => 'now()' });
  }

  /** Revokes one login; returns whether it was still active. */
  async revokeLogin(loginId: string, reason: string): Promise<boolean> {
    const result = await this.txHost.tx
      .createQueryBuilder()
      .update(LoginEntity)
      .set({ revokedAt: () => 'now()', revokedReason: reason })
      .where('id = :loginId AND revoked_at IS NULL', { loginId })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Revokes every active login of a user; returns their ids (to invalidate caches). */
  async revokeAllLogins(userId: string, reason: string): Promise<string[]> {
    const result = await this.txHost.tx
      .createQueryBuilder()
      .update(LoginEntity)
      .set({ revokedAt: () => 'now()', revokedReason: reason })
      .where('user_id = :userId AND revoked_at IS NULL', { userId })
      .returning(['id'])
      .execute();
    return (result.raw as { id: string }[]).map((row) => row.id);
  }

  async activeLoginIds(userId: string): Promise<string[]> {
    const rows = await this.txHost.tx
      .getRepository(LoginEntity)
      .createQueryBuilder('l')
      .select('l.id', 'id')
      .where('l.user_id = :userId AND l.revoked_at IS NULL', { userId })
      .getRawMany<{ id: string }>();
    return rows.map((row) => row.id);
  }

  async loadState(loginId: string): Promise<LoginState | undefined> {
    const [row] = await this.txHost.tx.query<LoginState[]>(
      `SELECT l.user_id AS "userId", u.role, l.second_factor AS "secondFactor",
              (l.revoked_at IS NULL AND u.is_active) AS active
         FROM auth_logins l JOIN users u ON u.id = l.user_id
        WHERE l.id = $1`,
      [loginId],
    );
    return row;
  }
}
