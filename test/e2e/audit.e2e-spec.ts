import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import {
  bearer,
  grantRole,
  login,
  registerUser,
  type TestUser,
  type TokenPair,
} from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';
import { createFreshDatabase } from '../support/test-database';

interface AuditRow {
  request_id: string;
  user_id: string | null;
  operation: string;
  resource_type: string | null;
  resource_id: string | null;
  status: string;
  http_status: number;
  details: Record<string, unknown>;
}

/** Its own database: one test breaks audit writes on purpose. */
describe('audit', () => {
  let database: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  let app: App;
  let http: ReturnType<typeof request>;
  let db: DataSource;
  let admin: TokenPair;
  const secrets: string[] = [];

  const eventsFor = (requestId: string) =>
    db.query<AuditRow[]>('SELECT * FROM audit_events WHERE request_id = $1', [requestId]);

  beforeAll(async () => {
    database = await createFreshDatabase('casefile_hub_test_audit');
    t = await createTestApp({ databaseUrl: database.url });
    app = t.app.getHttpServer();
    http = request(app);
    db = t.app.get(DataSource);
    const root = await registerUser(app);
    await grantRole(db, root.id, 'super_admin');
    admin = await login(app, root);
    secrets.push(root.password, admin.access_token, admin.refresh_token);
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  it('register: one success event naming the new user, with the request id', async () => {
    const user = await registerUser(app);
    secrets.push(user.password);
    const [row] = await db.query<AuditRow[]>(
      "SELECT * FROM audit_events WHERE operation = 'register' AND resource_id = $1",
      [user.id],
    );
    expect(row).toMatchObject({
      user_id: user.id,
      resource_type: 'user',
      status: 'success',
      http_status: 201,
    });
  });

  it('login success and failure are recorded; an unknown email has no user', async () => {
    const user = await registerUser(app);
    secrets.push(user.password);
    const ok = await http
      .post('/v1/auth/login')
      .set('X-Request-ID', 'audit-login-ok')
      .send({ email: user.email, password: user.password })
      .expect(200);
    secrets.push(ok.body.data.access_token as string, ok.body.data.refresh_token as string);
    await http
      .post('/v1/auth/login')
      .set('X-Request-ID', 'audit-login-bad')
      .send({ email: user.email, password: 'Wrong-password-123' })
      .expect(401);
    await http
      .post('/v1/auth/login')
      .set('X-Request-ID', 'audit-login-nobody')
      .send({ email: 'nobody@example.test', password: 'Wrong-password-123' })
      .expect(401);

    expect(await eventsFor('audit-login-ok')).toMatchObject([
      {
        operation: 'login',
        user_id: user.id,
        resource_type: 'login',
        status: 'success',
        http_status: 200,
      },
    ]);
    expect(await eventsFor('audit-login-bad')).toMatchObject([
      {
        operation: 'login',
        user_id: user.id,
        status: 'failure',
        http_status: 401,
        details: { code: 'AUTH_INVALID_CREDENTIALS', email: user.email },
      },
    ]);
    expect(await eventsFor('audit-login-nobody')).toMatchObject([
      {
        operation: 'login',
        user_id: null,
        status: 'failure',
        details: { email: 'nobody@example.test' },
      },
    ]);
  });

  it('refresh-token reuse is recorded as a failure that revoked the login', async () => {
    const user = await registerUser(app);
    const tokens = await login(app, user);
    secrets.push(user.password, tokens.refresh_token, tokens.access_token);
    await http.post('/v1/auth/refresh').send({ refresh_token: tokens.refresh_token }).expect(200);
    await http
      .post('/v1/auth/refresh')
      .set('X-Request-ID', 'audit-reuse')
      .send({ refresh_token: tokens.refresh_token })
      .expect(401);
    expect(await eventsFor('audit-reuse')).toMatchObject([
      {
        operation: 'refresh_token',
        user_id: user.id,
        status: 'failure',
        http_status: 401,
        details: { code: 'AUTH_REFRESH_REUSED', login_revoked: true },
      },
    ]);
  });

  it('logout and API key changes are recorded, never the key itself', async () => {
    const user = await registerUser(app);
    const tokens = await login(app, user);
    const created = await http
      .post('/v1/auth/api-keys')
      .set('Authorization', bearer(tokens))
      .set('X-Request-ID', 'audit-key-create')
      .send({ name: 'ci' })
      .expect(201);
    const key = created.body.data as { id: string; key: string };
    secrets.push(user.password, tokens.access_token, tokens.refresh_token, key.key);
    await http
      .delete(`/v1/auth/api-keys/${key.id}`)
      .set('Authorization', bearer(tokens))
      .set('X-Request-ID', 'audit-key-revoke')
      .expect(204);
    await http
      .post('/v1/auth/logout')
      .set('Authorization', bearer(tokens))
      .set('X-Request-ID', 'audit-logout')
      .expect(200);

    expect(await eventsFor('audit-key-create')).toMatchObject([
      {
        operation: 'create_api_key',
        user_id: user.id,
        resource_type: 'api_key',
        resource_id: key.id,
        http_status: 201,
      },
    ]);
    expect(await eventsFor('audit-key-revoke')).toMatchObject([
      { operation: 'revoke_api_key', resource_id: key.id, status: 'success', http_status: 204 },
    ]);
    expect(await eventsFor('audit-logout')).toMatchObject([
      { operation: 'logout', user_id: user.id, resource_type: 'login', status: 'success' },
    ]);
  });

  it('admin actions carry what changed', async () => {
    const user = await registerUser(app);
    await http
      .patch(`/v1/admin/users/${user.id}`)
      .set('Authorization', bearer(admin))
      .set('X-Request-ID', 'audit-admin')
      .send({ role: 'admin', is_active: false })
      .expect(200);
    expect(await eventsFor('audit-admin')).toMatchObject([
      {
        operation: 'admin_update_user',
        resource_type: 'user',
        resource_id: user.id,
        details: {
          changes: { role: { from: 'user', to: 'admin' }, is_active: { from: true, to: false } },
        },
      },
    ]);
  });

  it('reads write nothing', async () => {
    await http
      .get('/v1/auth/me')
      .set('Authorization', bearer(admin))
      .set('X-Request-ID', 'audit-read')
      .expect(200);
    await http
      .get('/v1/admin/users')
      .set('Authorization', bearer(admin))
      .set('X-Request-ID', 'audit-read-2')
      .expect(200);
    expect(await eventsFor('audit-read')).toEqual([]);
    expect(await eventsFor('audit-read-2')).toEqual([]);
  });

  it('a failed change leaves its failure event and no change', async () => {
    const taken = await registerUser(app);
    const res = await http
      .post('/v1/auth/register')
      .set('X-Request-ID', 'audit-dup')
      .send({ email: taken.email, username: 'someone_else_1', password: 'Another-fine-passphrase' })
      .expect(409);
    expect(res.body.errors[0].code).toBe('CF_DUPLICATE_EMAIL');
    expect(await eventsFor('audit-dup')).toMatchObject([
      {
        operation: 'register',
        status: 'failure',
        http_status: 409,
        details: { code: 'CF_DUPLICATE_EMAIL' },
      },
    ]);
    const [{ count }] = await db.query<{ count: string }[]>(
      "SELECT count(*) FROM users WHERE username = 'someone_else_1'",
    );
    expect(Number(count)).toBe(0);
  });

  it('no change without its event: when the audit write fails, the change rolls back', async () => {
    const user = await registerUser(app);
    const tokens = await login(app, user);
    await db.query(
      "ALTER TABLE audit_events ADD CONSTRAINT refuse_key_events CHECK (operation <> 'create_api_key') NOT VALID",
    );
    try {
      const res = await http
        .post('/v1/auth/api-keys')
        .set('Authorization', bearer(tokens))
        .send({ name: 'never stored' })
        .expect(500);
      expect(res.body.errors[0].code).toBe('SYS_INTERNAL');
    } finally {
      await db.query('ALTER TABLE audit_events DROP CONSTRAINT refuse_key_events');
    }
    const [{ count }] = await db.query<{ count: string }[]>(
      "SELECT count(*) FROM api_keys WHERE name = 'never stored'",
    );
    expect(Number(count)).toBe(0);
  });

  describe('GET /v1/admin/audit-events', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await registerUser(app);
      for (let i = 0; i < 3; i++) {
        await http
          .post('/v1/auth/login')
          .send({ email: user.email, password: `nope-nope-${i}-x` })
          .expect(401);
      }
      await login(app, user);
    });

    it('filters by user, operation and status, newest first, through cursors', async () => {
      const seen: { operation: string; status: string }[] = [];
      let cursor: string | null = null;
      do {
        const res = await http
          .get('/v1/admin/audit-events')
          .query({ user_id: user.id, operation: 'login', limit: 2, ...(cursor && { cursor }) })
          .set('Authorization', bearer(admin))
          .expect(200);
        seen.push(...(res.body.data.items as { operation: string; status: string }[]));
        cursor = res.body.data.next_cursor as string | null;
      } while (cursor);
      expect(seen.map((e) => e.status)).toEqual(['success', 'failure', 'failure', 'failure']);
      const failures = await http
        .get('/v1/admin/audit-events')
        .query({ user_id: user.id, status: 'failure' })
        .set('Authorization', bearer(admin))
        .expect(200);
      expect(failures.body.data.items).toHaveLength(3);
      expect(failures.body.data.items[0]).toMatchObject({
        operation: 'login',
        user_id: user.id,
        status: 'failure',
        http_status: 401,
        request_id: expect.any(String) as string,
        at: expect.any(String) as string,
      });
    });

    it('filters by time', async () => {
      const future = new Date(Date.now() + 60_000).toISOString();
      const res = await http
        .get('/v1/admin/audit-events')
        .query({ user_id: user.id, after: future })
        .set('Authorization', bearer(admin))
        .expect(200);
      expect(res.body.data.items).toEqual([]);
    });

    it('is for admins only', async () => {
      // a user of its own: the logins of `user` are what the test above counts
      const tokens = await login(app, await registerUser(app));
      const res = await http
        .get('/v1/admin/audit-events')
        .set('Authorization', bearer(tokens))
        .expect(403);
      expect(res.body.errors[0].code).toBe('AUTH_FORBIDDEN');
    });

    it.each([[{ user_id: 'nope' }], [{ status: 'maybe' }], [{ after: 'yesterday' }]])(
      'refuses bad filters %j with 400 VAL_FAILED',
      async (query) => {
        const res = await http
          .get('/v1/admin/audit-events')
          .query(query)
          .set('Authorization', bearer(admin))
          .expect(400);
        expect(res.body.errors[0].code).toBe('VAL_FAILED');
      },
    );
  });

  it('no password, token or key ever appears in an event or a log line', async () => {
    // every kind of secret the auth routes take or give, sent in this test
    const user = await registerUser(app);
    const wrongPassword = `Wrong-${user.password}`;
    await http
      .post('/v1/auth/login')
      .send({ email: user.email, password: wrongPassword })
      .expect(401);
    const tokens = await login(app, user);
    const refreshed = await http
      .post('/v1/auth/refresh')
      .send({ refresh_token: tokens.refresh_token })
      .expect(200);
    await http.post('/v1/auth/refresh').send({ refresh_token: tokens.refresh_token }).expect(401);
    const created = await http
      .post('/v1/auth/api-keys')
      .set('Authorization', bearer(admin))
      .send({ name: 'secret-check' })
      .expect(201);
    const own = [
      user.password,
      wrongPassword,
      tokens.access_token,
      tokens.refresh_token,
      refreshed.body.data.access_token as string,
      refreshed.body.data.refresh_token as string,
      created.body.data.key as string,
    ];
    expect(own.every((secret) => typeof secret === 'string' && secret.length >= 8)).toBe(true);

    const events = JSON.stringify(await db.query('SELECT * FROM audit_events'));
    const logs = t.logs.raw.join('\n');
    // the events and log lines of these requests are there to be searched
    expect(events).toContain(user.id);
    const refreshes = t.logs.lines.filter(
      (line) =>
        line.msg === 'request completed' &&
        (line.req as { url?: string } | undefined)?.url === '/v1/auth/refresh',
    );
    expect(refreshes.length).toBeGreaterThanOrEqual(2);
    for (const secret of [...own, ...secrets]) {
      expect(events).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });
});
