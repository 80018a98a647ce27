import { Injectable } from '@nestjs/common';
import { RequestValidationError } from '../../platform/errors/system.errors';
import type { Actor } from '../../core/hub/actor';
import {
  CasefileNotFoundError,
  InsufficientPermissionError,
  OwnerPermissionError,
} from './access.errors';
import type {
  CheckPermissionQuery,
  GrantPermissionDto,
  PermissionCheckDto,
  PermissionDto,
  PermissionListDto,
} from './dto/permissions.dto';
import { includesLevel, type PermissionLevel } from './permission-level';
import { type AccessEntry, AccessRepository } from './access.repository';
import { AuditTrail } from '../audit';
import { UsersService } from '../auth';

function toPermissionDto(entry: AccessEntry, username: string): PermissionDto {
  return {
    user_id: entry.userId,
    username,
    permission: entry.level,
    granted_by: entry.grantedBy,
    granted_at: entry.grantedAt.toISOString(),
  };
}

/**
 * Casefile access for every module, and for everything that lives in a casefile (sessions,
 * workspace data, sync jobs): `require(actor, casefileId, 'editor')` before anything is read or
 * changed, `requireAll`/`allowed` for many casefiles at once. Roles grant nothing here (admins use
 * the admin routes). Strangers learn nothing: a casefile they cannot see answers exactly like one
 * that does not exist. Reads that fetch a casefile and the caller's level in one statement (see
 * `casefileLevel.ofRow`) hand that level to `assertIncludes`.
 */
@Injectable()
export class AccessService {
  constructor(
    private readonly permissions: AccessRepository,
    private readonly users: UsersService,
    private readonly auditTrail: AuditTrail,
  ) {}

  /** The caller's level, or a 404 / 403 (noted for the audit event) when it is not enough. */
  async require(
    actor: Actor,
    casefileId: string,
    required: PermissionLevel,
  ): Promise<PermissionLevel> {
    const actual = await this.permissions.levelOf(actor.userId, casefileId);
    this.assertIncludes(casefileId, actual ?? null, required);
    return actual as PermissionLevel;
  }

  /** The bulk form of `require`: every casefile must allow `required`, or the first one that does
   * not answers as `require` would. */
  async requireAll(
    actor: Actor,
    casefileIds: readonly string[],
    required: PermissionLevel,
  ): Promise<Map<string, PermissionLevel>> {
    const unique = [...new Set(casefileIds)];
    const levels = await this.permissions.levelsOf(actor.userId, unique);
    for (const id of unique) this.assertIncludes(id, levels.get(id) ?? null, required);
    return levels as Map<string, PermissionLevel>;
  }

  /** Of `casefileIds`, the ones on which the actor has `required` (for filtering lists). */
  async allowed(
    actor: Actor,
    casefileIds: readonly string[],
    required: PermissionLevel,
  ): Promise<Set<string>> {
    const levels = await this.permissions.levelsOf(actor.userId, [...new Set(casefileIds)]);
    return new Set(
      [...levels].filter(([, level]) => includesLevel(level, required)).map(([id]) => id),
    );
  }

  /** Throws the contract's answer for a level that does not include `required`. */
  assertIncludes(casefileId: string, actual: PermissionLevel | null, required: PermissionLevel) {
    if (includesLevel(actual, required)) return;
    this.auditTrail.note({
      resourceType: 'casefile',
      resourceId: casefileId,
      casefileId,
      details: { required, actual },
    });
    if (actual === null) throw new CasefileNotFoundError();
    throw new InsufficientPermissionError(required, actual);
  }

  /** Grants or changes a level (upsert). Managers may grant up to manager; owner never. */
  async grant(actor: Actor, casefileId: string, dto: GrantPermissionDto): Promise<PermissionDto> {
    await this.require(actor, casefileId, 'manager');
    if (dto.user_id !== undefined && dto.email !== undefined) {
      throw new RequestValidationError([
        { field: 'email', message: 'give either user_id or email, not both' },
      ]);
    }
    if (dto.permission === 'owner') throw new OwnerPermissionError();
    const grantee = await this.users.findByReference({ id: dto.user_id, email: dto.email });
    const current = await this.permissions.levelOf(grantee.id, casefileId);
    if (current === 'owner') throw new OwnerPermissionError();
    const entry = await this.permissions.upsert(
      casefileId,
      grantee.id,
      dto.permission,
      actor.userId,
    );
    this.auditTrail.note({
      resourceType: 'casefile_permission',
      resourceId: grantee.id,
      casefileId,
      details: { user_id: grantee.id, permission: dto.permission, previous: current },
    });
    return toPermissionDto(entry, grantee.username);
  }

  /** Ends a grant; access stops with the next request. Revoking a grant that is not there is a no-op. */
  async revoke(actor: Actor, casefileId: string, userId: string): Promise<void> {
    await this.require(actor, casefileId, 'manager');
    const current = await this.permissions.levelOf(userId, casefileId);
    if (current === 'owner') throw new OwnerPermissionError();
    const removed = await this.permissions.delete(casefileId, userId);
    this.auditTrail.note({
      resourceType: 'casefile_permission',
      resourceId: userId,
      casefileId,
      details: { user_id: userId, previous: current, removed },
    });
  }

  async list(actor: Actor, casefileId: string): Promise<PermissionListDto> {
    await this.require(actor, casefileId, 'viewer');
    const entries = await this.permissions.list(casefileId);
    const usernames = await this.users.usernamesOf(entries.map((entry) => entry.userId));
    return {
      items: entries.map((entry) => toPermissionDto(entry, usernames.get(entry.userId) ?? '')),
    };
  }

  async check(
    actor: Actor,
    casefileId: string,
    query: CheckPermissionQuery,
  ): Promise<PermissionCheckDto> {
    const own = await this.require(actor, casefileId, 'viewer');
    const userId = query.user_id ?? actor.userId;
    const actual =
      userId === actor.userId
        ? own
        : ((await this.permissions.levelOf(userId, casefileId)) ?? null);
    return {
      user_id: userId,
      permission: query.permission,
      allowed: includesLevel(actual, query.permission),
      actual,
    };
  }

  /** After an ownership transfer: the old owner keeps a manager grant, the new one needs none. */
  async afterOwnerChange(
    casefileId: string,
    previousOwnerId: string,
    newOwnerId: string,
    changedBy: string,
  ): Promise<void> {
    await this.permissions.delete(casefileId, newOwnerId);
    await this.permissions.upsert(casefileId, previousOwnerId, 'manager', changedBy);
  }
}
