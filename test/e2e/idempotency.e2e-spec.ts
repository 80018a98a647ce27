import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { bearer, login, newUserBody, registerUser, type TokenPair } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';

describe('Idempotency-Key (API.md §1.3)', () => {
  let t: TestApp;
  let app: App;
  let http: ReturnType<typeof request>;
  let db: DataSource;
  let alice: TokenPair & { id: string };
  let bob: TokenPair;

  const createKey = (tokens: TokenPair, key: string | undefined, body: object = { name: 'ci' }) => {
    const req = http.post('/v1/auth/api-keys').set('Authorization', bearer(tokens));
    if (key !== undefined) req.set('Idempotency-Key', key);
    return req.send(body);
  };
  const keysNamed = async (name: string) =>
    Number(
      (
        await db.query<{ count: string }[]>('SELECT count(*) FROM api_keys WHERE name = $1', [name])
      )[0].count,
    );

  beforeAll(async () => {
    t = await createTestApp();
    app = t.app.getHttpServer();
    http = request(app);
    db = t.app.get(DataSource);
    const a = await registerUser(app);
    alice = { ...(await login(app, a)), id: a.id };
    bob = await login(app, await registerUser(app));
  });
  afterAll(() => t.close());

  it('replays the stored response for the same key and body, without running the operation again', async () => {
    const first = await createKey(alice, 'key-replay', { name: 'replayed' })
      .set('X-Request-ID', 'idem-1')
      .expect(201);
    const second = await createKey(alice, 'key-replay', { name: 'replayed' })
      .set('X-Request-ID', 'idem-2')
      .expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.headers['idempotent-replayed']).toBe('true');
    // the same resource; its key was shown once and is not stored for replay (issue 21)
    expect(second.body.data).toEqual({ ...first.body.data, key: null });
    expect(second.body.meta.request_id).toBe('idem-2');
    expect(await keysNamed('replayed')).toBe(1);
    // the replay wrote no second audit event
    const events = await db.query('SELECT 1 FROM audit_events WHERE request_id = $1', ['idem-2']);
    expect(events).toEqual([]);
  });

  it('treats the body by content, not key order', async () => {
    await createKey(alice, 'key-order', { name: 'ordered', scopes: ['read'] }).expect(201);
    const again = await createKey(alice, 'key-order', { scopes: ['read'], name: 'ordered' }).expect(
      201,
    );
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('the same key with another body → 422 CF_IDEMPOTENCY_KEY_REUSED', async () => {
    await createKey(alice, 'key-reused', { name: 'one' }).expect(201);
    const res = await createKey(alice, 'key-reused', { name: 'two' }).expect(422);
    expect(res.body.errors[0].code).toBe('CF_IDEMPOTENCY_KEY_REUSED');
    expect(await keysNamed('two')).toBe(0);
  });

  it('is keyed per user: another user with the same key creates their own', async () => {
    await createKey(alice, 'key-per-user', { name: 'per-user' }).expect(201);
    const res = await createKey(bob, 'key-per-user', { name: 'per-user' }).expect(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(await keysNamed('per-user')).toBe(2);
  });

  it('is keyed per route', async () => {
    await createKey(alice, 'key-per-route', { name: 'per-route' }).expect(201);
    const body = newUserBody();
    const res = await http
      .post('/v1/auth/register')
      .set('Idempotency-Key', 'key-per-route')
      .send(body)
      .expect(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
  });

  it('while the first request runs → 409 CF_IDEMPOTENCY_IN_PROGRESS', async () => {
    await db.query(
      `INSERT INTO idempotency_keys (scope, route, key, request_hash, status, locked_until, expires_at)
       VALUES ($1, 'POST /v1/auth/api-keys', 'key-running', 'x', 'in_progress', now() + interval '1 minute', now() + interval '1 day')`,
      [`user:${alice.id}`],
    );
    const res = await createKey(alice, 'key-running').expect(409);
    expect(res.body.errors[0].code).toBe('CF_IDEMPOTENCY_IN_PROGRESS');
  });

  it('a claim left by a request that died is taken over once its lock lapses', async () => {
    await db.query(
      `INSERT INTO idempotency_keys (scope, route, key, request_hash, status, locked_until, expires_at)
       VALUES ($1, 'POST /v1/auth/api-keys', 'key-stale', 'x', 'in_progress', now() - interval '1 second', now() + interval '1 day')`,
      [`user:${alice.id}`],
    );
    await createKey(alice, 'key-stale', { name: 'after-crash' }).expect(201);
    expect(await keysNamed('after-crash')).toBe(1);
  });

  it('a failed request leaves the key free for a corrected retry', async () => {
    const body = newUserBody();
    const weak = await http
      .post('/v1/auth/register')
      .set('Idempotency-Key', 'key-retry')
      .send({ ...body, password: 'password1234' })
      .expect(422);
    expect(weak.body.errors[0].code).toBe('BR_WEAK_PASSWORD');
    const fixed = await http
      .post('/v1/auth/register')
      .set('Idempotency-Key', 'key-retry')
      .send(body)
      .expect(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });

  it('keys expire after 24 h', async () => {
    await createKey(alice, 'key-expired', { name: 'old' }).expect(201);
    await db.query(
      "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'key-expired'",
    );
    const res = await createKey(alice, 'key-expired', { name: 'new' }).expect(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(await keysNamed('new')).toBe(1);
  });

  it('without a key, every request creates', async () => {
    await createKey(alice, undefined, { name: 'no-key' }).expect(201);
    await createKey(alice, undefined, { name: 'no-key' }).expect(201);
    expect(await keysNamed('no-key')).toBe(2);
  });

  it('refuses a key over 255 characters with 400 VAL_FAILED', async () => {
    const res = await createKey(alice, 'k'.repeat(256)).expect(400);
    expect(res.body.errors[0].details.fields).toEqual([
      { field: 'Idempotency-Key', message: 'Idempotency-Key must be 1-255 characters' },
    ]);
  });

  it('20 concurrent identical requests with one key create exactly one resource', async () => {
    const body = newUserBody();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        http.post('/v1/auth/register').set('Idempotency-Key', 'key-race').send(body),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const created = results.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.data.id as string)).size).toBe(1);
    for (const conflict of results.filter((r) => r.status === 409)) {
      expect(conflict.body.errors[0].code).toBe('CF_IDEMPOTENCY_IN_PROGRESS');
    }
    const [{ count }] = await db.query<{ count: string }[]>(
      'SELECT count(*) FROM users WHERE email = $1',
      [body.email],
    );
    expect(Number(count)).toBe(1);
    // and afterwards the key replays
    const later = await http
      .post('/v1/auth/register')
      .set('Idempotency-Key', 'key-race')
      .send(body)
      .expect(201);
    expect(later.headers['idempotent-replayed']).toBe('true');
  });
});
