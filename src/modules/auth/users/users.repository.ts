import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { QueryFailedError } from 'typeorm';
import { uuidv7 } from 'uuidv7';
import type { Role } from '../../../core/hub/actor';
import { DuplicateEmailError, DuplicateUsernameError } from '../auth.errors';
import { UserEntity } from './user.entity';

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

  async clearFailedLogins(id: string): Promise<void> {
    await this.repo.update({ id }, { failedLoginCount: 0, failedLoginWindowStart: null });
  }
}
