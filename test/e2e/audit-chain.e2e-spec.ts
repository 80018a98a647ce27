import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { AuditChain, SEAL_LOCK_KEY } from '../../src/modules/audit/audit-chain';
import { bearer, grantRole, login, registerUser, type TokenPair } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';
import { createFreshDatabase } from '../support/test-database';

/** Its own database: the test edits and deletes audit rows behind the service's back. */
describe('tamper-evident audit log', () => {
  let database: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  let app: App;
  let http: ReturnType<typeof request>;
  let db: DataSource;
  let chain: AuditChain;
  let admin: TokenPair;

  const verify = async () =>
    (
      await http
        .get('/v1/admin/audit-events/verify')
        .set('Authorization', bearer(admin))
        .expect(200)
    ).body.data as { ok: boolean; checked: number; first_bad_event_id: string | null };
  const sealedIds = async () =>
    (
      await db.query<{ id: string }[]>(
        'SELECT id FROM audit_events WHERE seq IS NOT NULL ORDER BY seq',
      )
    ).map((row) => row.id);
  const unsealed = async () =>
    Number(
      (
        await db.query<{ count: string }[]>('SELECT count(*) FROM audit_events WHERE seq IS NULL')
      )[0].count,
    );
  const makeEvents = async (n: number) => {
    for (let i = 0; i < n; i++) await registerUser(app);
  };

  beforeAll(async () => {
    database = await createFreshDatabase('casefile_hub_test_audit_chain');
    t = await createTestApp({ databaseUrl: database.url });
    app = t.app.getHttpServer();
    http = request(app);
    db = t.app.get(DataSource);
    chain = t.app.get(AuditChain);
    const root = await registerUser(app);
    await grantRole(db, root.id, 'super_admin');
    admin = await login(app, root);
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  /**
   * Each test starts from a clean slate, whatever an earlier one edited or deleted: the chain is
   * sealed afresh from the rows there are (under the sealer's own lock: the background sealer
   * cannot seal in between), with at least eight events in it.
   */
  beforeEach(async () => {
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [SEAL_LOCK_KEY]);
      await tx.query('DELETE FROM audit_chain_head');
      await tx.query(
        'UPDATE audit_events SET seq = NULL, prev_hash = NULL, hash = NULL, sealed_at = NULL',
      );
    });
    const [{ count }] = await db.query<{ count: string }[]>('SELECT count(*) FROM audit_events');
    await makeEvents(Math.max(0, 8 - Number(count)));
    // sealPending() gives way (seals nothing) while the background sealer holds the lock
    while (await unsealed()) await chain.sealPending();
    expect((await verify()).ok).toBe(true);
  });

  it('requests only insert; sealing happens in the background job', async () => {
    await makeEvents(3);
    const [{ unsealed }] = await db.query<{ unsealed: string }[]>(
      'SELECT count(*) AS unsealed FROM audit_events WHERE seq IS NULL',
    );
    expect(Number(unsealed)).toBeGreaterThanOrEqual(3);
    // (the scheduled job may have sealed some already: check the end state, not the count)
    await chain.sealPending();
    const [{ total, open }] = await db.query<{ total: string; open: string }[]>(
      'SELECT count(*) AS total, count(*) FILTER (WHERE seq IS NULL) AS open FROM audit_events',
    );
    expect(Number(open)).toBe(0);
    const verdict = await verify();
    expect(verdict).toEqual({ ok: true, checked: Number(total), first_bad_event_id: null });
  });

  it('two sealers at once never fork the chain', async () => {
    await makeEvents(5);
    await Promise.all([chain.sealPending(), chain.sealPending(), chain.sealPending()]);
    await chain.sealPending();
    const ids = await sealedIds();
    const [{ max }] = await db.query<{ max: string }[]>('SELECT max(seq) AS max FROM audit_events');
    expect(Number(max)).toBe(ids.length);
    expect((await verify()).ok).toBe(true);
  });

  it('names an event whose content was edited in SQL, and recovers when it is put back', async () => {
    const ids = await sealedIds();
    const target = ids[Math.floor(ids.length / 2)];
    const [{ operation }] = await db.query<{ operation: string }[]>(
      'SELECT operation FROM audit_events WHERE id = $1',
      [target],
    );
    await db.query("UPDATE audit_events SET operation = 'innocent' WHERE id = $1", [target]);
    expect(await verify()).toMatchObject({ ok: false, first_bad_event_id: target });
    await db.query('UPDATE audit_events SET operation = $2 WHERE id = $1', [target, operation]);
    expect((await verify()).ok).toBe(true);

    await db.query(`UPDATE audit_events SET details = '{"forged": true}' WHERE id = $1`, [target]);
    expect(await verify()).toMatchObject({ ok: false, first_bad_event_id: target });
    await db.query(`UPDATE audit_events SET at = at - interval '1 hour' WHERE id = $1`, [ids[0]]);
    expect(await verify()).toMatchObject({ ok: false, first_bad_event_id: ids[0] });
  });

  describe('deletions', () => {
    it('a deleted event in the middle: the event after it is named', async () => {
      const ids = await sealedIds();
      await db.query('DELETE FROM audit_events WHERE id = $1', [ids[2]]);
      expect(await verify()).toMatchObject({ ok: false, first_bad_event_id: ids[3] });
    });

    it('deleting the newest sealed events is caught by the chain head', async () => {
      const ids = await sealedIds();
      await db.query('DELETE FROM audit_events WHERE id = ANY($1)', [ids.slice(-2)]);
      expect(await verify()).toEqual({
        ok: false,
        checked: ids.length - 2,
        first_bad_event_id: null,
      });
    });
  });

  it('is for admins only', async () => {
    const user = await login(app, await registerUser(app));
    const res = await http
      .get('/v1/admin/audit-events/verify')
      .set('Authorization', bearer(user))
      .expect(403);
    expect(res.body.errors[0].code).toBe('AUTH_FORBIDDEN');
  });
});
