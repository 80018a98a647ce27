import type { AfterCommit } from '../../../core/hub/after-commit';
import type { Actor, Role } from '../../../core/hub/actor';
import type { ApiKeysService } from '../api-keys/api-keys.service';
import { LastSuperAdminError, SuperAdminRequiredError, UserNotFoundError } from '../auth.errors';
import type { PasswordHasher } from '../password/password-hasher';
import type { LoginStateService } from '../tokens/login-state.service';
import type { LoginsRepository } from '../tokens/logins.repository';
import type { UserEntity } from './user.entity';
import type { UsersRepository } from './users.repository';
import { UsersService } from './users.service';
import { type AuditNote, type AuditTrail } from '../../audit';

const actorOf = (user: UserEntity): Actor => ({
  userId: user.id,
  role: user.role,
  authMethod: 'jwt',
  secondFactor: true,
  scopes: ['read', 'write'],
});

function userRow(id: string, role: Role, isActive = true): UserEntity {
  const at = new Date('2026-11-22T10:00:00.000Z');
  return {
    id,
    email: `${id}@example.com`,
    username: id,
    displayName: null,
    passwordHash: 'hash',
    role,
    isActive,
    twoFactorSecret: null,
    twoFactorEnabled: false,
    failedLoginCount: 0,
    failedLoginWindowStart: null,
    createdAt: at,
    updatedAt: at,
  };
}

/** Users, their logins and what was invalidated, in memory. */
function setUp(...users: UserEntity[]) {
  const rows = new Map(users.map((user) => [user.id, { ...user }]));
  const logins = new Map<string, string[]>(users.map((user) => [user.id, [`${user.id}-login`]]));
  const revoked: string[] = [];
  const invalidated: string[][] = [];
  const forgotten: string[] = [];
  const notes: AuditNote[] = [];
  const repository = {
    findById: (id: string) => Promise.resolve(rows.get(id) && { ...rows.get(id)! }),
    findByIdForUpdate: (id: string) => Promise.resolve(rows.get(id) && { ...rows.get(id)! }),
    lockActiveSuperAdmins: () =>
      Promise.resolve(
        [...rows.values()].filter((u) => u.role === 'super_admin' && u.isActive).length,
      ),
    updateAccess: (id: string, patch: { role?: Role; isActive?: boolean }) => {
      Object.assign(rows.get(id)!, patch);
      return Promise.resolve({ ...rows.get(id)! });
    },
  };
  const loginsRepository = {
    revokeAllLogins: (id: string) => {
      revoked.push(id);
      return Promise.resolve(logins.get(id) ?? []);
    },
    activeLoginIds: (id: string) => Promise.resolve(logins.get(id) ?? []),
  };
  const service = new UsersService(
    repository as unknown as UsersRepository,
    loginsRepository as unknown as LoginsRepository,
    {
      invalidate: (ids: string[]) => Promise.resolve(void invalidated.push(ids)),
    } as unknown as LoginStateService,
    {
      forgetUser: (id: string) => Promise.resolve(void forgotten.push(id)),
    } as unknown as ApiKeysService,
    {} as PasswordHasher,
    { run: (work: () => Promise<void>) => work() } as unknown as AfterCommit,
    { note: (note: AuditNote) => notes.push(note) } as unknown as AuditTrail,
  );
  return { service, rows, revoked, invalidated, forgotten, notes };
}

describe('UsersService.update (admin rules, API.md §8)', () => {
  const root = userRow('root', 'super_admin');
  const admin = userRow('admin', 'admin');
  const plain = userRow('plain', 'user');

  it('lets an admin disable a plain user: their logins end and cached state is dropped', async () => {
    const { service, rows, revoked, invalidated, forgotten } = setUp(root, admin, plain);
    const dto = await service.update(actorOf(admin), 'plain', { is_active: false });
    expect(dto.is_active).toBe(false);
    expect(rows.get('plain')!.isActive).toBe(false);
    expect(revoked).toEqual(['plain']);
    expect(invalidated).toEqual([['plain-login']]);
    expect(forgotten).toEqual(['plain']);
  });

  it.each([
    ['grant admin', 'plain', { role: 'admin' as const }],
    ['remove admin', 'admin', { role: 'user' as const }],
    ['disable an admin', 'admin', { is_active: false }],
    ['grant super_admin', 'plain', { role: 'super_admin' as const }],
  ])(
    'refuses an admin who tries to %s (super_admin only), changing nothing',
    async (_, id, dto) => {
      const { service, rows } = setUp(root, admin, plain);
      const before = { ...rows.get(id)! };
      await expect(service.update(actorOf(admin), id, dto)).rejects.toBeInstanceOf(
        SuperAdminRequiredError,
      );
      expect(rows.get(id)).toEqual(before);
    },
  );

  it('lets a super_admin grant and remove admin', async () => {
    const { service, rows } = setUp(root, plain);
    await service.update(actorOf(root), 'plain', { role: 'admin' });
    expect(rows.get('plain')!.role).toBe('admin');
    await service.update(actorOf(root), 'plain', { role: 'user' });
    expect(rows.get('plain')!.role).toBe('user');
  });

  it.each([
    ['demote', { role: 'admin' as const }],
    ['disable', { is_active: false }],
  ])('never lets anyone %s the last active super_admin', async (_, dto) => {
    const inactive = userRow('old-root', 'super_admin', false);
    const { service, rows } = setUp(root, inactive);
    await expect(service.update(actorOf(root), 'root', dto)).rejects.toBeInstanceOf(
      LastSuperAdminError,
    );
    expect(rows.get('root')).toMatchObject({ role: 'super_admin', isActive: true });
  });

  it('allows it while another active super_admin remains', async () => {
    const second = userRow('root-2', 'super_admin');
    const { service, rows } = setUp(root, second);
    await service.update(actorOf(second), 'root', { role: 'admin' });
    expect(rows.get('root')!.role).toBe('admin');
  });

  it('a change to what the user already is writes nothing and invalidates nothing', async () => {
    const { service, invalidated, notes } = setUp(root, plain);
    const dto = await service.update(actorOf(root), 'plain', { role: 'user', is_active: true });
    expect(dto).toMatchObject({ role: 'user', is_active: true });
    expect(invalidated).toEqual([]);
    expect(notes.some((note) => note.details?.changes)).toBe(false);
  });

  it('notes what changed, from and to, for the audit event', async () => {
    const { service, notes } = setUp(root, plain);
    await service.update(actorOf(root), 'plain', { role: 'admin' });
    expect(notes).toContainEqual({
      details: { changes: { role: { from: 'user', to: 'admin' } } },
    });
  });

  it('answers an unknown user with NF_USER', async () => {
    const { service } = setUp(root);
    await expect(service.update(actorOf(root), 'ghost', { role: 'admin' })).rejects.toBeInstanceOf(
      UserNotFoundError,
    );
  });
});
