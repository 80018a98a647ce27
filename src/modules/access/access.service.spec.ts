import type { Actor } from '../../core/hub/actor';
import {
  CasefileNotFoundError,
  InsufficientPermissionError,
  OwnerPermissionError,
} from './access.errors';
import type { AccessEntry, AccessRepository } from './access.repository';
import { AccessService } from './access.service';
import { type GrantableLevel, PERMISSION_LEVELS, type PermissionLevel } from './permission-level';
import { RequestValidationError } from '../../platform/errors/system.errors';
import { type AuditNote, type AuditTrail } from '../audit';
import { UserNotFoundError, type UsersService } from '../auth';

const actor = (userId: string): Actor => ({
  userId,
  role: 'user',
  authMethod: 'jwt',
  secondFactor: false,
  scopes: ['read', 'write'],
});

/** Casefiles in memory: an owner and grants each, as the access repository sees them. */
class FakeAccessRepository implements Pick<
  AccessRepository,
  'levelOf' | 'levelsOf' | 'upsert' | 'delete' | 'list'
> {
  readonly casefiles = new Map<string, { owner: string; grants: Map<string, GrantableLevel> }>();

  add(id: string, owner: string, grants: Record<string, GrantableLevel> = {}) {
    this.casefiles.set(id, { owner, grants: new Map(Object.entries(grants)) });
  }

  levelOf(userId: string, casefileId: string) {
    const casefile = this.casefiles.get(casefileId);
    if (!casefile) return Promise.resolve(undefined);
    if (casefile.owner === userId) return Promise.resolve('owner' as const);
    return Promise.resolve(casefile.grants.get(userId) ?? null);
  }

  async levelsOf(userId: string, casefileIds: readonly string[]) {
    const levels = new Map<string, PermissionLevel | null>();
    for (const id of casefileIds) {
      const level = await this.levelOf(userId, id);
      if (level !== undefined) levels.set(id, level);
    }
    return levels;
  }

  upsert(casefileId: string, userId: string, level: GrantableLevel, grantedBy: string) {
    this.casefiles.get(casefileId)!.grants.set(userId, level);
    return Promise.resolve<AccessEntry>({
      userId,
      level,
      grantedBy,
      grantedAt: new Date(),
    });
  }

  delete(casefileId: string, userId: string) {
    return Promise.resolve(this.casefiles.get(casefileId)!.grants.delete(userId));
  }

  list() {
    return Promise.resolve([]);
  }
}

describe('AccessService', () => {
  let repository: FakeAccessRepository;
  let notes: AuditNote[];
  let service: AccessService;

  beforeEach(() => {
    repository = new FakeAccessRepository();
    notes = [];
    const users = {
      findByReference: ({ id, email }: { id?: string; email?: string }) => {
        const found = id ?? email?.split('@')[0];
        if (!found || found === 'nobody') return Promise.reject(new UserNotFoundError());
        return Promise.resolve({ id: found, username: found, isActive: true });
      },
    } as unknown as UsersService;
    const auditTrail = { note: (note: AuditNote) => notes.push(note) } as unknown as AuditTrail;
    service = new AccessService(repository as unknown as AccessRepository, users, auditTrail);
  });

  describe('require: every level against every requirement', () => {
    const cases = [null, ...PERMISSION_LEVELS].flatMap((actual) =>
      PERMISSION_LEVELS.map((required) => [actual, required] as const),
    );

    it.each(cases)('a caller with %s, asked for %s', async (actual, required) => {
      repository.add('c', 'owner-1', actual && actual !== 'owner' ? { me: actual } : {});
      const me = actual === 'owner' ? 'owner-1' : 'me';
      const call = service.require(actor(me), 'c', required);
      if (actual === null) {
        await expect(call).rejects.toBeInstanceOf(CasefileNotFoundError);
      } else if (PERMISSION_LEVELS.indexOf(actual) < PERMISSION_LEVELS.indexOf(required)) {
        await expect(call).rejects.toMatchObject({
          constructor: InsufficientPermissionError,
          details: { required, actual },
        });
      } else {
        await expect(call).resolves.toBe(actual);
      }
    });

    it('answers a missing casefile exactly like an inaccessible one, and notes the denial', async () => {
      await expect(service.require(actor('me'), 'gone', 'viewer')).rejects.toBeInstanceOf(
        CasefileNotFoundError,
      );
      expect(notes).toEqual([
        expect.objectContaining({
          casefileId: 'gone',
          details: { required: 'viewer', actual: null },
        }),
      ]);
    });
  });

  describe('bulk forms', () => {
    beforeEach(() => {
      repository.add('mine', 'me');
      repository.add('edit', 'other', { me: 'editor' });
      repository.add('view', 'other', { me: 'viewer' });
      repository.add('none', 'other');
    });

    it('allowed() keeps the casefiles with enough access, and drops unknown ones', async () => {
      const ids = ['mine', 'edit', 'view', 'none', 'unknown'];
      expect(await service.allowed(actor('me'), ids, 'editor')).toEqual(new Set(['mine', 'edit']));
      expect(await service.allowed(actor('me'), ids, 'viewer')).toEqual(
        new Set(['mine', 'edit', 'view']),
      );
    });

    it('requireAll() answers every level, or the first refusal as require() would', async () => {
      const levels = await service.requireAll(actor('me'), ['mine', 'edit', 'edit'], 'editor');
      expect(Object.fromEntries(levels)).toEqual({ mine: 'owner', edit: 'editor' });
      await expect(
        service.requireAll(actor('me'), ['mine', 'view'], 'editor'),
      ).rejects.toBeInstanceOf(InsufficientPermissionError);
      await expect(
        service.requireAll(actor('me'), ['mine', 'none'], 'viewer'),
      ).rejects.toBeInstanceOf(CasefileNotFoundError);
    });
  });

  describe('grants', () => {
    beforeEach(() => repository.add('c', 'owner-1', { manager: 'manager', viewer: 'viewer' }));

    it('lets a manager grant up to manager, as an upsert', async () => {
      await service.grant(actor('manager'), 'c', { user_id: 'viewer', permission: 'manager' });
      expect(repository.casefiles.get('c')!.grants.get('viewer')).toBe('manager');
    });

    it('refuses owner, and any change to the owner, with BR_OWNER_PERMISSION', async () => {
      await expect(
        service.grant(actor('owner-1'), 'c', { user_id: 'viewer', permission: 'owner' }),
      ).rejects.toBeInstanceOf(OwnerPermissionError);
      await expect(
        service.grant(actor('manager'), 'c', { user_id: 'owner-1', permission: 'viewer' }),
      ).rejects.toBeInstanceOf(OwnerPermissionError);
      await expect(service.revoke(actor('manager'), 'c', 'owner-1')).rejects.toBeInstanceOf(
        OwnerPermissionError,
      );
      expect(repository.casefiles.get('c')!.owner).toBe('owner-1');
    });

    it('refuses a grantee named twice, and an unknown grantee', async () => {
      await expect(
        service.grant(actor('owner-1'), 'c', {
          user_id: 'x',
          email: 'x@example.com',
          permission: 'viewer',
        }),
      ).rejects.toBeInstanceOf(RequestValidationError);
      await expect(
        service.grant(actor('owner-1'), 'c', { email: 'nobody@example.com', permission: 'viewer' }),
      ).rejects.toBeInstanceOf(UserNotFoundError);
    });

    it('needs manager to grant or revoke: a viewer gets 403 and nothing changes', async () => {
      await expect(
        service.grant(actor('viewer'), 'c', { user_id: 'someone', permission: 'viewer' }),
      ).rejects.toBeInstanceOf(InsufficientPermissionError);
      await expect(service.revoke(actor('viewer'), 'c', 'manager')).rejects.toBeInstanceOf(
        InsufficientPermissionError,
      );
      expect(Object.fromEntries(repository.casefiles.get('c')!.grants)).toEqual({
        manager: 'manager',
        viewer: 'viewer',
      });
    });

    it('revoking a grant that is not there is a no-op, noted as such', async () => {
      await service.revoke(actor('manager'), 'c', 'stranger');
      expect(notes.at(-1)).toMatchObject({ details: { user_id: 'stranger', removed: false } });
    });

    it("check() answers another user's level without revealing more than the caller may see", async () => {
      expect(
        await service.check(actor('viewer'), 'c', { permission: 'editor', user_id: 'manager' }),
      ).toEqual({ user_id: 'manager', permission: 'editor', allowed: true, actual: 'manager' });
      await expect(
        service.check(actor('stranger'), 'c', { permission: 'viewer', user_id: 'manager' }),
      ).rejects.toBeInstanceOf(CasefileNotFoundError);
    });
  });
});
