import { Injectable, Logger } from '@nestjs/common';
import { type Page, paginate } from '../../../core/http/pagination';
import { AfterCommit } from '../../../core/hub/after-commit';
import type { Actor, Role } from '../../../core/hub/actor';
import { ApiKeysService } from '../api-keys/api-keys.service';
import {
  LastSuperAdminError,
  SuperAdminRequiredError,
  UserNotFoundError,
  WeakPasswordError,
} from '../auth.errors';
import type { ListUsersQuery, UpdateUserDto } from '../dto/admin-users.dto';
import { toUserDto, type UserDto } from '../dto/user.dto';
import { PasswordHasher } from '../password/password-hasher';
import { passwordProblems } from '../password/password-policy';
import { LoginStateService } from '../tokens/login-state.service';
import { LoginsRepository } from '../tokens/logins.repository';
import type { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';
import { AuditTrail } from '../../audit';

const PRIVILEGED: ReadonlySet<Role> = new Set(['admin', 'super_admin']);

export interface UserReference {
  id: string;
  username: string;
  isActive: boolean;
}

/** User administration (API.md §8): the rules behind /admin/users and the super_admin bootstrap. */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly logins: LoginsRepository,
    private readonly loginStates: LoginStateService,
    private readonly apiKeys: ApiKeysService,
    private readonly hasher: PasswordHasher,
    private readonly afterCommit: AfterCommit,
    private readonly auditTrail: AuditTrail,
  ) {}

  /** A user named by id or by email (case-insensitive), for other modules (grants, transfers). */
  async findByReference(reference: { id?: string; email?: string }): Promise<UserReference> {
    const user = reference.id
      ? await this.users.findById(reference.id)
      : reference.email
        ? await this.users.findByEmail(reference.email)
        : null;
    if (!user) throw new UserNotFoundError();
    return { id: user.id, username: user.username, isActive: user.isActive };
  }

  /** Usernames by user id, for other modules' listings (one query for the whole list). */
  usernamesOf(ids: readonly string[]): Promise<Map<string, string>> {
    return this.users.usernamesOf(ids);
  }

  async list(query: ListUsersQuery): Promise<Page<UserDto>> {
    const filters = { role: query.role, isActive: query.is_active, q: query.q };
    return paginate(
      query,
      {
        sort: '-created_at',
        fetch: (take, after) => this.users.listPage(filters, take, after),
        count: () => this.users.count(filters),
      },
      toUserDto,
    );
  }

  /**
   * Only a super_admin may grant or remove admin roles, or disable an admin; nobody may demote or
   * disable the last active super_admin. Disabling ends every login and API key of the user; a
   * role change takes effect on their next request.
   */
  async update(actor: Actor, id: string, dto: UpdateUserDto): Promise<UserDto> {
    this.auditTrail.note({ resourceType: 'user', resourceId: id });
    const current = await this.users.findById(id);
    if (!current) throw new UserNotFoundError();
    // Lock order: every active super_admin (by id) before the target row, so that two requests
    // demoting each other queue up instead of deadlocking.
    let superAdmins = this.losesSuperAdmin(current, dto)
      ? await this.users.lockActiveSuperAdmins()
      : undefined;
    const target = await this.users.findByIdForUpdate(id);
    if (!target) throw new UserNotFoundError();
    const roleChanges = dto.role !== undefined && dto.role !== target.role;
    const activeChanges = dto.is_active !== undefined && dto.is_active !== target.isActive;
    if (!roleChanges && !activeChanges) return toUserDto(target);

    const touchesPrivilege =
      (roleChanges && (PRIVILEGED.has(dto.role!) || PRIVILEGED.has(target.role))) ||
      (activeChanges && PRIVILEGED.has(target.role));
    if (touchesPrivilege && actor.role !== 'super_admin') {
      throw new SuperAdminRequiredError(actor.role);
    }
    if (this.losesSuperAdmin(target, dto)) {
      superAdmins ??= await this.users.lockActiveSuperAdmins();
      if (superAdmins <= 1) throw new LastSuperAdminError();
    }

    this.auditTrail.note({
      details: {
        changes: {
          ...(roleChanges && { role: { from: target.role, to: dto.role } }),
          ...(activeChanges && { is_active: { from: target.isActive, to: dto.is_active } }),
        },
      },
    });
    const updated = await this.users.updateAccess(id, {
      ...(roleChanges && { role: dto.role }),
      ...(activeChanges && { isActive: dto.is_active }),
    });
    const loginIds =
      dto.is_active === false
        ? await this.logins.revokeAllLogins(id, 'user_disabled')
        : await this.logins.activeLoginIds(id);
    await this.afterCommit.run(async () => {
      await this.loginStates.invalidate(loginIds);
      await this.apiKeys.forgetUser(id);
    });
    return toUserDto(updated);
  }

  private losesSuperAdmin(user: UserEntity, dto: UpdateUserDto): boolean {
    return (
      user.role === 'super_admin' &&
      user.isActive &&
      ((dto.role !== undefined && dto.role !== 'super_admin') || dto.is_active === false)
    );
  }

  /**
   * A super_admin for `email`: created, or the existing account of that email promoted (its
   * password unchanged). At start-up (ADMIN_EMAIL/ADMIN_PASSWORD) only when none exists yet; the
   * operator's `npm run cli -- create-admin` passes evenIfOneExists.
   */
  async ensureSuperAdmin(
    email: string,
    password: string,
    options: { evenIfOneExists?: boolean } = {},
  ): Promise<'created' | 'promoted' | 'exists'> {
    const superAdmins = await this.users.lockActiveSuperAdmins();
    if (superAdmins > 0 && !options.evenIfOneExists) return 'exists';
    const existing = await this.users.findByEmail(email);
    if (existing?.role === 'super_admin' && existing.isActive) return 'exists';
    if (existing) {
      await this.users.updateAccess(existing.id, { role: 'super_admin', isActive: true });
      this.logger.log(`promoted ${email} to super_admin`);
      return 'promoted';
    }
    const username = email
      .split('@')[0]
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .slice(0, 32)
      .padEnd(3, '_');
    const problems = passwordProblems(password, { email, username });
    if (problems.length > 0) throw new WeakPasswordError(problems);
    await this.users.insert({
      email,
      username,
      displayName: 'Administrator',
      passwordHash: await this.hasher.hash(password),
      role: 'super_admin',
    });
    this.logger.log(`created super_admin ${email}`);
    return 'created';
  }
}
