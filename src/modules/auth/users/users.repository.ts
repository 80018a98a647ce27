import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { QueryFailedError } from 'typeorm';
import { uuidv7 } from 'uuidv7';
import type { CursorPosition } from '../../../core/http/pagination';
import type { Role } from '../../../core/hub/actor';
import { DuplicateEmailError, DuplicateUsernameError } from '../auth.errors';
import { UserEntity } from './user.entity';

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

function constraintOf(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driver = error.driverError as { code?: string; constraint?: string };
  return driver.code === '23505' ? driver.constraint : undefined;
}

@Injectable()
export class UsersRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repo() {
    return this.txHost.tx.getRepository(UserEntity);
  }

  /** Inserts a user; a taken email or username becomes its 409 (the unique indexes decide). */
  async insert(user: NewUser): Promise<UserEntity> {
    const entity = this.repo.create({
      id: uuidv7(),
      ...user,
      role: user.role ?? 'user',
      isActive: true,
      twoFactorEnabled: false,
      failedLoginCount: 0,
    });
    try {
      await this.repo.insert(entity);
    } catch (error) {
      const constraint = constraintOf(error);
      if (constraint === 'users_email_key') throw new DuplicateEmailError();
      if (constraint === 'users_username_key') throw new DuplicateUsernameError();
      throw error;
    }
    return this.repo.findOneByOrFail({ id: entity.id });
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.repo
      .createQueryBuilder('u')
      .where('lower(u.email) = lower(:email)', { email })
      .getOne();
  }

  /**
   * Counts a failed login in one atomic statement: the window restarts when the last one is
   * older than `windowSeconds`. Returns the count and when the window started.
   */
  async recordFailedLogin(
    id: string,
    windowSeconds: number,
  ): Promise<{ count: number; windowStart: Date }> {
    // TypeORM answers UPDATE … RETURNING with [rows, rowCount]
    const [[row]] = await this.txHost.tx.query<
      [{ failed_login_count: number; failed_login_window_start: Date }[], number]
    >(
      `UPDATE users SET
         failed_login_count = CASE WHEN failed_login_window_start > now() - make_interval(secs => $2)
                                   THEN failed_login_count + 1 ELSE 1 END,
         failed_login_window_start = CASE WHEN failed_login_window_start > now() - make_interval(secs => $2)
                                          THEN failed_login_window_start ELSE now() END
       WHERE id = $1
       RETURNING failed_login_count, failed_login_window_start`,
      [id, windowSeconds],
    );
    return { count: row.failed_login_count, windowStart: row.failed_login_window_start };
  }

  /** One page of the admin list, newest first (keyset on created_at, id). */
  async listPage(
    filters: UserFilters,
    limit: number,
    after: CursorPosition | undefined,
  ): Promise<(UserEntity & { cursorKey: string })[]> {
    const query = this.filtered(filters)
      .addSelect('u.created_at::text', 'cursor_key')
      .orderBy('u.created_at', 'DESC')
      .addOrderBy('u.id', 'DESC')
      .limit(limit + 1);
    if (after) {
      query.andWhere('(u.created_at, u.id) < (:afterKey::timestamptz, :afterId::uuid)', {
        afterKey: after.key,
        afterId: after.id,
      });
    }
    const { entities, raw } = await query.getRawAndEntities<{ cursor_key: string }>();
    return entities.map((entity, index) =>
      Object.assign(entity, { cursorKey: raw[index].cursor_key }),
    );
  }

  count(filters: UserFilters): Promise<number> {
    return this.filtered(filters).getCount();
  }

  private filtered(filters: UserFilters) {
    const query = this.repo.createQueryBuilder('u');
    if (filters.role) query.andWhere('u.role = :role', { role: filters.role });
    if (filters.isActive !== undefined) {
      query.andWhere('u.is_active = :isActive', { isActive: filters.isActive });
    }
    if (filters.q) {
      query.andWhere(
        "(u.email || ' ' || u.username || ' ' || coalesce(u.display_name, '')) ILIKE :pattern ESCAPE '\\'",
        { pattern: `%${filters.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` },
      );
    }
    return query;
  }

  /** The user, locked for the rest of the transaction. */
  findByIdForUpdate(id: string): Promise<UserEntity | null> {
    return this.repo
      .createQueryBuilder('u')
      .setLock('pessimistic_write')
      .where('u.id = :id', { id })
      .getOne();
  }

  /** Locks every active super_admin row and counts them: two demotions cannot both pass. */
  async lockActiveSuperAdmins(): Promise<number> {
    const rows = await this.repo
      .createQueryBuilder('u')
      .select('u.id')
      .setLock('pessimistic_write')
      .where("u.role = 'super_admin' AND u.is_active")
      .orderBy('u.id')
      .getMany();
    return rows.length;
  }

  async updateAccess(id: string, patch: { role?: Role; isActive?: boolean }): Promise<UserEntity> {
    await this.repo.update({ id }, patch);
    return this.repo.findOneByOrFail({ id });
  }

  async updateTwoFactor(
    id: string,
    state: { secret: string | null; enabled: boolean },
  ): Promise<void> {
    await this.repo.update(
      { id },
      { twoFactorSecret: state.secret, twoFactorEnabled: state.enabled },
    );
  }

  async clearFailedLogins(id: string): Promise<void> {
    await this.repo.update({ id }, { failedLoginCount: 0, failedLoginWindowStart: null });
  }
}
