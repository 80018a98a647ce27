import { Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import type { Role } from '../../../core/hub/actor';
import {
  escapeLike,
  Sql,
  SqlParams,
  violatedUniqueConstraint,
  where,
} from '../../../platform/database/sql';
import { DuplicateEmailError, DuplicateUsernameError } from '../auth.errors';
import { UserEntity } from './user.entity';
import { type CursorPosition } from '../../../platform/database/keyset';

export interface UserFilters {
  role?: Role;
  isActive?: boolean;
  q?: string;
}

export interface NewUser {
  email: string;
  username: string;
  displayName: string | null;
  passwordHash: string;
  role?: Role;
}

function filterTerms(filters: UserFilters, params: SqlParams): string[] {
  const terms: string[] = [];
  if (filters.role) terms.push(`u.role = ${params.bind(filters.role)}`);
  if (filters.isActive !== undefined) terms.push(`u.is_active = ${params.bind(filters.isActive)}`);
  if (filters.q) {
    terms.push(
      `(u.email || ' ' || u.username || ' ' || coalesce(u.display_name, '')) ILIKE ${params.bind(`%${escapeLike(filters.q)}%`)}`,
    );
  }
  return terms;
}

@Injectable()
export class UsersRepository {
  /** The SELECT list of a row (names from the entity). */
  private readonly userColumns: string;

  constructor(private readonly sql: Sql) {
    this.userColumns = sql.columnsOf(UserEntity).select('u');
  }

  /** Inserts a user; a taken email or username becomes its 409 (the unique indexes decide). */
  async insert(user: NewUser): Promise<UserEntity> {
    try {
      const row = await this.sql.one<UserEntity>(
        `INSERT INTO users AS u (id, email, username, display_name, password_hash, role)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${this.userColumns}`,
        [
          uuidv7(),
          user.email,
          user.username,
          user.displayName,
          user.passwordHash,
          user.role ?? 'user',
        ],
      );
      return row as UserEntity;
    } catch (error) {
      const constraint = violatedUniqueConstraint(error);
      if (constraint === 'users_email_key') throw new DuplicateEmailError();
      if (constraint === 'users_username_key') throw new DuplicateUsernameError();
      throw error;
    }
  }

  findById(id: string): Promise<UserEntity | undefined> {
    return this.sql.one<UserEntity>(`SELECT ${this.userColumns} FROM users u WHERE u.id = $1`, [
      id,
    ]);
  }

  async usernamesOf(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.sql.rows<{ id: string; username: string }>(
      'SELECT id, username FROM users WHERE id = ANY($1::uuid[])',
      [[...new Set(ids)]],
    );
    return new Map(rows.map((row) => [row.id, row.username]));
  }

  findByEmail(email: string): Promise<UserEntity | undefined> {
    return this.sql.one<UserEntity>(
      `SELECT ${this.userColumns} FROM users u WHERE lower(u.email) = lower($1)`,
      [email],
    );
  }

  /**
   * Counts a failed login in one atomic statement: the window restarts when the last one is
   * older than `windowSeconds`. Returns the count and when the window started.
   */
  async recordFailedLogin(
    id: string,
    windowSeconds: number,
  ): Promise<{ count: number; windowStart: Date }> {
    const row = await this.sql.one<{ count: number; windowStart: Date }>(
      `UPDATE users SET
         failed_login_count = CASE WHEN failed_login_window_start > now() - make_interval(secs => $2)
                                   THEN failed_login_count + 1 ELSE 1 END,
         failed_login_window_start = CASE WHEN failed_login_window_start > now() - make_interval(secs => $2)
                                          THEN failed_login_window_start ELSE now() END
       WHERE id = $1
       RETURNING failed_login_count AS count, failed_login_window_start AS "windowStart"`,
      [id, windowSeconds],
    );
    return row as { count: number; windowStart: Date };
  }

  /** One page of the admin list, newest first (keyset on created_at, id). */
  listPage(
    filters: UserFilters,
    take: number,
    after: CursorPosition | undefined,
  ): Promise<(UserEntity & { cursorKey: string })[]> {
    const params = new SqlParams();
    const terms = filterTerms(filters, params);
    if (after) {
      terms.push(
        `(u.created_at, u.id) < (${params.bind(after.key)}::timestamptz, ${params.bind(after.id)}::uuid)`,
      );
    }
    return this.sql.rows(
      `SELECT ${this.userColumns}, u.created_at::text AS "cursorKey" FROM users u ${where(terms)}
        ORDER BY u.created_at DESC, u.id DESC LIMIT ${params.bind(take)}`,
      params.values,
    );
  }

  async count(filters: UserFilters): Promise<number> {
    const params = new SqlParams();
    const row = await this.sql.one<{ total: number }>(
      `SELECT count(*)::int AS total FROM users u ${where(filterTerms(filters, params))}`,
      params.values,
    );
    return row?.total ?? 0;
  }

  /** The user, locked for the rest of the transaction. */
  findByIdForUpdate(id: string): Promise<UserEntity | undefined> {
    return this.sql.one<UserEntity>(
      `SELECT ${this.userColumns} FROM users u WHERE u.id = $1 FOR UPDATE`,
      [id],
    );
  }

  /** Locks every active super_admin row and counts them: two demotions cannot both pass. */
  async lockActiveSuperAdmins(): Promise<number> {
    const rows = await this.sql.rows(
      `SELECT id FROM users WHERE role = 'super_admin' AND is_active ORDER BY id FOR UPDATE`,
    );
    return rows.length;
  }

  async updateAccess(id: string, patch: { role?: Role; isActive?: boolean }): Promise<UserEntity> {
    const row = await this.sql.one<UserEntity>(
      `UPDATE users AS u SET role = coalesce($2, u.role), is_active = coalesce($3, u.is_active),
              updated_at = now()
        WHERE u.id = $1 RETURNING ${this.userColumns}`,
      [id, patch.role ?? null, patch.isActive ?? null],
    );
    return row as UserEntity;
  }

  async updateTwoFactor(
    id: string,
    state: { secret: string | null; enabled: boolean },
  ): Promise<void> {
    await this.sql.count(
      `UPDATE users SET two_factor_secret = $2, two_factor_enabled = $3, updated_at = now()
        WHERE id = $1`,
      [id, state.secret, state.enabled],
    );
  }

  async clearFailedLogins(id: string): Promise<void> {
    await this.sql.count(
      'UPDATE users SET failed_login_count = 0, failed_login_window_start = NULL WHERE id = $1',
      [id],
    );
  }
}
