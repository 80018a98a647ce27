import { DataSource } from 'typeorm';
import type { Actor } from '../../src/core/hub/actor';
import { AccessService } from '../../src/modules/access';
import { CasefilesService } from '../../src/modules/casefiles';
import { SessionsService } from '../../src/modules/sessions';
import { SessionResolver } from '../../src/modules/sessions/session-resolver';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * The session resolver with the real repositories and PostgreSQL, no HTTP: who may use a session,
 * the busy lease decided in one statement, expiry, and the replacement of a bound session.
 */
describe('SessionResolver (service level)', () => {
  let t: TestContext;
  let resolver: SessionResolver;
  let sessions: SessionsService;
  let db: DataSource;

  beforeAll(async () => {
    t = await createTestContext();
    resolver = t.get(SessionResolver);
    sessions = t.get(SessionsService);
    db = t.get(DataSource);
  });
  afterAll(() => t.close());

  const open = (actor: Actor, casefileId: string | null = null) =>
    t.inTransaction(() => sessions.create(actor, 'tool', { casefileId }));
  /** 'resolved', or the code the resolver refused with (anything else fails the test). */
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'resolved',
      (error: unknown) => {
        if (error instanceof Error && 'code' in error) return error.code as string;
        throw error;
      },
    );

  it('lets the creator read, run and close; a stranger finds nothing', async () => {
    const [creator, stranger] = [await t.newActor(), await t.newActor()];
    const session = await open(creator);
    const read = await t.run(() =>
      resolver.resolve(creator, { kind: 'tool', access: 'read' }, session.id),
    );
    expect(read).toMatchObject({ session: { id: session.id, userId: creator.userId } });
    expect(read.lease).toBeUndefined();
    expect(
      await codeOf(
        t.run(() => resolver.resolve(stranger, { kind: 'tool', access: 'read' }, session.id)),
      ),
    ).toBe('NF_TOOL_SESSION');
    // a session of the other kind is not found either
    expect(
      await codeOf(
        t.run(() => resolver.resolve(creator, { kind: 'chat', access: 'read' }, session.id)),
      ),
    ).toBe('NF_CHAT_SESSION');
  });

  it("lets a casefile's viewer read the session, not run or close it; a revoked one finds nothing", async () => {
    const [creator, viewer] = [await t.newActor(), await t.newActor()];
    const casefile = await t.inTransaction(() =>
      t.get(CasefilesService).create(creator, { title: 'Shared' }),
    );
    await t.inTransaction(() =>
      t
        .get(AccessService)
        .grant(creator, casefile.id, { user_id: viewer.userId, permission: 'viewer' }),
    );
    const session = await open(creator, casefile.id);
    const as = (access: 'read' | 'own' | 'run') =>
      codeOf(t.run(() => resolver.resolve(viewer, { kind: 'tool', access }, session.id)));
    expect(await as('read')).toBe('resolved');
    expect(await as('own')).toBe('AUTH_FORBIDDEN');
    expect(await as('run')).toBe('AUTH_FORBIDDEN');
    await t.inTransaction(() => t.get(AccessService).revoke(creator, casefile.id, viewer.userId));
    expect(await as('read')).toBe('NF_TOOL_SESSION');
  });

  it('gives the busy lease to exactly one of many concurrent runs, and frees it after', async () => {
    const creator = await t.newActor();
    const session = await open(creator);
    const run = { kind: 'tool', access: 'run' } as const;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => t.run(() => resolver.resolve(creator, run, session.id))),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(
      outcomes
        .filter((o) => o.status === 'rejected')
        .map((o) => (o.reason as { code: string }).code),
    ).toEqual(Array(7).fill('CF_SESSION_BUSY'));
    const { session: held, lease } = won[0].value;
    expect(lease).toEqual(expect.any(String));
    expect(await sessions.isBusy(session.id)).toBe(true);
    await t.run(() => resolver.afterSuccess(held, creator, lease));
    expect(await sessions.isBusy(session.id)).toBe(false);
    const [{ request_count }] = await db.query<{ request_count: number }[]>(
      'SELECT request_count FROM sessions WHERE id = $1',
      [session.id],
    );
    expect(request_count).toBe(1);
  });

  it('expires a session past its idle TTL: a read shows it expired, a run is refused', async () => {
    const creator = await t.newActor();
    const session = await open(creator);
    await db.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [
      session.id,
    ]);
    expect(
      await codeOf(
        t.run(() => resolver.resolve(creator, { kind: 'tool', access: 'run' }, session.id)),
      ),
    ).toBe('BR_SESSION_EXPIRED');
    const read = await t.run(() =>
      resolver.resolve(creator, { kind: 'tool', access: 'read' }, session.id),
    );
    expect(read.session.status).toBe('expired');
  });

  it('replaces an expired bound session once, however many runs race for it', async () => {
    const creator = await t.newActor();
    const session = await open(creator);
    await db.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [
      session.id,
    ]);
    const bound: Actor = {
      ...creator,
      bound: { id: session.id, kind: 'tool', scope: `session:${session.id}` },
    };
    const run = { kind: 'tool', access: 'run', bound: true } as const;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => t.run(() => resolver.resolve(bound, run, undefined))),
    );
    // one run made the replacement and holds it; the others followed the chain to it, busy
    const won = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ recreated: true, lease: expect.any(String) as string });
    expect(won[0].session.id).not.toBe(session.id);
    const refused = outcomes.flatMap((o): unknown[] => (o.status === 'rejected' ? [o.reason] : []));
    expect(refused.map((error) => (error as { code: string }).code)).toEqual(
      Array(4).fill('CF_SESSION_BUSY'),
    );
    const rows = await db.query<{ id: string; replaced_by: string | null }[]>(
      'SELECT id, replaced_by FROM sessions WHERE user_id = $1 ORDER BY created_at',
      [creator.userId],
    );
    expect(rows).toEqual([
      { id: session.id, replaced_by: won[0].session.id },
      { id: won[0].session.id, replaced_by: null },
    ]);
  });
});
