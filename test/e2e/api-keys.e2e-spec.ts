import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { bearer, login, registerUser, type TokenPair } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';

describe('API keys', () => {
  let t: TestApp;
  let app: App;
  let http: ReturnType<typeof request>;
  let tokens: TokenPair;

  const createKey = async (body: Record<string, unknown> = { name: 'ci' }) =>
    (
      await http
        .post('/v1/auth/api-keys')
        .set('Authorization', bearer(tokens))
        .send(body)
        .expect(201)
    ).body.data as { id: string; key: string; prefix: string; scopes: string[] };

  beforeAll(async () => {
    t = await createTestApp();
    app = t.app.getHttpServer();
    http = request(app);
    tokens = await login(app, await registerUser(app));
  });
  afterAll(() => t.close());

  it('creates a key (201) that is shown once and stored only as a hash', async () => {
    const res = await http
      .post('/v1/auth/api-keys')
      .set('Authorization', bearer(tokens))
      .send({ name: 'deploy bot' })
      .expect(201);
    const created = res.body.data as Record<string, unknown> & { key: string; prefix: string };
    expect(created).toEqual({
      id: expect.any(String) as string,
      name: 'deploy bot',
      prefix: expect.stringMatching(/^[0-9a-f]{12}$/) as string,
      scopes: ['read', 'write'],
      key: expect.stringMatching(/^chk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/) as string,
      created_at: expect.any(String) as string,
      expires_at: null,
      last_used_at: null,
    });
    expect(created.key).toContain(created.prefix);
    const rows = await t.app
      .get(DataSource)
      .query<{ key_hash: string }[]>('SELECT key_hash FROM api_keys WHERE id = $1', [created.id]);
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(created.key);

    const list = await http
      .get('/v1/auth/api-keys')
      .set('Authorization', bearer(tokens))
      .expect(200);
    expect(JSON.stringify(list.body)).not.toContain(created.key);
    const ids = (list.body.data.items as { id: string }[]).map((k) => k.id);
    expect(ids).toContain(created.id);
  });

  it('authenticates as its owner through X-API-Key', async () => {
    const { key } = await createKey();
    const me = await http.get('/v1/auth/me').set('X-API-Key', key).expect(200);
    const mine = await http.get('/v1/auth/me').set('Authorization', bearer(tokens)).expect(200);
    expect(me.body.data.id).toBe(mine.body.data.id);
  });

  it('records when a key was last used', async () => {
    const { id, key } = await createKey();
    await http.get('/v1/auth/me').set('X-API-Key', key).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const list = await http
      .get('/v1/auth/api-keys')
      .set('Authorization', bearer(tokens))
      .expect(200);
    const listed = (list.body.data.items as { id: string; last_used_at: string | null }[]).find(
      (k) => k.id === id,
    );
    expect(listed?.last_used_at).not.toBeNull();
  });

  it.each([
    ['a made-up key', 'chk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a malformed key', 'not-a-key'],
    ['an empty key', ''],
  ])('refuses %s: 401 AUTH_INVALID_API_KEY', async (_case, key) => {
    const res = await http.get('/v1/auth/me').set('X-API-Key', key).expect(401);
    expect(res.body.errors[0].code).toBe('AUTH_INVALID_API_KEY');
  });

  it('refuses a key whose secret is wrong even with a real prefix', async () => {
    const { key } = await createKey();
    const tampered = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    const res = await http.get('/v1/auth/me').set('X-API-Key', tampered).expect(401);
    expect(res.body.errors[0].code).toBe('AUTH_INVALID_API_KEY');
  });

  it('revocation takes effect on the very next request (204, then 401)', async () => {
    const { id, key } = await createKey();
    await http.get('/v1/auth/me').set('X-API-Key', key).expect(200); // cached now
    await http.delete(`/v1/auth/api-keys/${id}`).set('Authorization', bearer(tokens)).expect(204);
    const res = await http.get('/v1/auth/me').set('X-API-Key', key).expect(401);
    expect(res.body.errors[0].code).toBe('AUTH_INVALID_API_KEY');
    const list = await http
      .get('/v1/auth/api-keys')
      .set('Authorization', bearer(tokens))
      .expect(200);
    const ids = (list.body.data.items as { id: string }[]).map((k) => k.id);
    expect(ids).not.toContain(id);
  });

  it("cannot revoke someone else's key: 404 NF_API_KEY, and the key keeps working", async () => {
    const { id, key } = await createKey();
    const stranger = await login(app, await registerUser(app));
    const res = await http
      .delete(`/v1/auth/api-keys/${id}`)
      .set('Authorization', bearer(stranger))
      .expect(404);
    expect(res.body.errors[0].code).toBe('NF_API_KEY');
    await http.get('/v1/auth/me').set('X-API-Key', key).expect(200);
  });

  it('stops working when it expires (checked on every use, also from the cache)', async () => {
    const { key } = await createKey({
      name: 'soon',
      expires_at: new Date(Date.now() + 1500).toISOString(),
    });
    await http.get('/v1/auth/me').set('X-API-Key', key).expect(200); // cached now
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const res = await http.get('/v1/auth/me').set('X-API-Key', key).expect(401);
    expect(res.body.errors[0].code).toBe('AUTH_INVALID_API_KEY');
  });

  it('a read-only key reads but gets 403 AUTH_FORBIDDEN on every non-GET route', async () => {
    const { key } = await createKey({ name: 'reader', scopes: ['read'] });
    await http.get('/v1/auth/me').set('X-API-Key', key).expect(200);
    for (const req of [
      http.post('/v1/auth/api-keys').send({ name: 'escalate' }),
      http.post('/v1/auth/logout'),
      http.delete('/v1/auth/api-keys/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'),
    ]) {
      const res = await req.set('X-API-Key', key).expect(403);
      expect(res.body.errors[0]).toMatchObject({
        code: 'AUTH_FORBIDDEN',
        details: { required: 'write', actual: 'read' },
      });
    }
  });

  it.each([
    ['an unknown scope', { name: 'x', scopes: ['admin'] }, 'scopes'],
    ['an empty scope list', { name: 'x', scopes: [] }, 'scopes'],
    ['a past expiry', { name: 'x', expires_at: '2020-01-01T00:00:00Z' }, 'expires_at'],
    ['a bad date', { name: 'x', expires_at: 'tomorrow' }, 'expires_at'],
    ['no name', {}, 'name'],
  ])('refuses %s with 400 VAL_FAILED', async (_case, body, field) => {
    const res = await http
      .post('/v1/auth/api-keys')
      .set('Authorization', bearer(tokens))
      .send(body)
      .expect(400);
    expect(res.body.errors[0].code).toBe('VAL_FAILED');
    const fields = res.body.errors[0].details.fields as { field: string }[];
    expect(fields.map((f) => f.field)).toContain(field);
  });

  it('answers a malformed key id with 400 VAL_INVALID_ID', async () => {
    const res = await http
      .delete('/v1/auth/api-keys/nope')
      .set('Authorization', bearer(tokens))
      .expect(400);
    expect(res.body.errors[0].code).toBe('VAL_INVALID_ID');
  });

  it('never logs a key', async () => {
    const { key } = await createKey();
    await http.get('/v1/auth/me').set('X-API-Key', key).expect(200);
    expect(t.logs.raw.join('\n')).not.toContain(key);
  });
});
