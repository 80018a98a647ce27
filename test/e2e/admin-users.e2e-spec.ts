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

const SUPER_EMAIL = 'root-admin@example.test';
const SUPER_PASSWORD = 'Bootstrap-passphrase-2026';

/**
 * On a database of its own, so "the last active super_admin" is a fact the test controls.
 * The first super_admin comes from ADMIN_EMAIL / ADMIN_PASSWORD, as in production.
 */
describe('admin: users', () => {
  let database: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  let app: App;
  let http: ReturnType<typeof request>;
  let db: DataSource;
  let root: TokenPair;
  let admin: TestUser;
  let adminTokens: TokenPair;
  let plain: TestUser;
  let plainTokens: TokenPair;

  beforeAll(async () => {
    database = await createFreshDatabase('casefile_hub_test_admin_users');
    t = await createTestApp({
      databaseUrl: database.url,
      env: { ADMIN_EMAIL: SUPER_EMAIL, ADMIN_PASSWORD: SUPER_PASSWORD },
    });
    app = t.app.getHttpServer();
    http = request(app);
    db = t.app.get(DataSource);
    root = await login(app, { email: SUPER_EMAIL, password: SUPER_PASSWORD });
    admin = await registerUser(app);
    await grantRole(db, admin.id, 'admin');
    adminTokens = await login(app, admin);
    plain = await registerUser(app);
    plainTokens = await login(app, plain);
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  const patch = (tokens: TokenPair, id: string, body: object) =>
    http.patch(`/v1/admin/users/${id}`).set('Authorization', bearer(tokens)).send(body);

  it('bootstraps the super_admin from ADMIN_EMAIL / ADMIN_PASSWORD', async () => {
    const me = await http.get('/v1/auth/me').set('Authorization', bearer(root)).expect(200);
    expect(me.body.data).toMatchObject({
      email: SUPER_EMAIL,
      role: 'super_admin',
      is_active: true,
    });
  });

  describe('access', () => {
    it('anonymous → 401 AUTH_MISSING_TOKEN', async () => {
      const res = await http.get('/v1/admin/users').expect(401);
      expect(res.body.errors[0].code).toBe('AUTH_MISSING_TOKEN');
    });

    it('a plain user → 403 AUTH_FORBIDDEN naming the roles required', async () => {
      const res = await http
        .get('/v1/admin/users')
        .set('Authorization', bearer(plainTokens))
        .expect(403);
      expect(res.body.errors[0]).toMatchObject({
        code: 'AUTH_FORBIDDEN',
        details: { required: ['admin', 'super_admin'], actual: 'user' },
      });
    });

    it('admin and super_admin → 200', async () => {
      await http.get('/v1/admin/users').set('Authorization', bearer(adminTokens)).expect(200);
      await http.get('/v1/admin/users').set('Authorization', bearer(root)).expect(200);
    });

    it("an admin's API key never reaches admin routes", async () => {
      const key = (
        await http
          .post('/v1/auth/api-keys')
          .set('Authorization', bearer(adminTokens))
          .send({ name: 'k' })
          .expect(201)
      ).body.data.key as string;
      const res = await http.get('/v1/admin/users').set('X-API-Key', key).expect(403);
      expect(res.body.errors[0]).toMatchObject({
        code: 'AUTH_FORBIDDEN',
        details: { actual: 'api key' },
      });
    });
  });

  describe('GET /v1/admin/users', () => {
    const tag = `pg${Date.now().toString(36)}`;
    let tagged: TestUser[];
    beforeAll(async () => {
      tagged = [];
      for (let i = 0; i < 5; i++) {
        tagged.push(await registerUser(app, { username: `${tag}_${i}` }));
      }
      await db.query('UPDATE users SET is_active = false WHERE id = $1', [tagged[4].id]);
    });

    it('pages newest first through opaque cursors, every row exactly once', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await http
          .get('/v1/admin/users')
          .query({ q: tag, limit: 2, ...(cursor && { cursor }) })
          .set('Authorization', bearer(root))
          .expect(200);
        seen.push(...(res.body.data.items as { id: string }[]).map((u) => u.id));
        cursor = res.body.data.next_cursor as string | null;
        expect(res.body.data.has_more).toBe(cursor !== null);
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(tagged.map((u) => u.id).reverse());
    });

    it('filters by role, is_active and q, and counts with include_total', async () => {
      const inactive = await http
        .get('/v1/admin/users')
        .query({ q: tag, is_active: 'false', include_total: 'true' })
        .set('Authorization', bearer(root))
        .expect(200);
      const inactiveIds = (inactive.body.data.items as { id: string }[]).map((u) => u.id);
      expect(inactiveIds).toEqual([tagged[4].id]);
      expect(inactive.body.data.total).toBe(1);
      const supers = await http
        .get('/v1/admin/users')
        .query({ role: 'super_admin' })
        .set('Authorization', bearer(root))
        .expect(200);
      const superEmails = (supers.body.data.items as { email: string }[]).map((u) => u.email);
      expect(superEmails).toEqual([SUPER_EMAIL]);
      expect(supers.body.data).not.toHaveProperty('total');
    });

    it('treats % and _ in q literally', async () => {
      const res = await http
        .get('/v1/admin/users')
        .query({ q: '%' })
        .set('Authorization', bearer(root))
        .expect(200);
      expect(res.body.data.items).toEqual([]);
    });

    it.each([
      ['a forged cursor', { cursor: 'bm9wZQ' }, 'VAL_INVALID_CURSOR'],
      ['limit 0', { limit: 0 }, 'VAL_FAILED'],
      ['limit 101', { limit: 101 }, 'VAL_FAILED'],
      ['an unknown role', { role: 'god' }, 'VAL_FAILED'],
      ['an unknown filter', { sort: 'email' }, 'VAL_FAILED'],
    ])('refuses %s', async (_case, query, code) => {
      const res = await http
        .get('/v1/admin/users')
        .query(query)
        .set('Authorization', bearer(root))
        .expect(400);
      expect(res.body.errors[0].code).toBe(code);
    });
  });

  describe('PATCH /v1/admin/users/{id}', () => {
    it('disabling a user ends their logins and API keys at once; enabling lets them back in', async () => {
      const person = await registerUser(app);
      const tokens = await login(app, person);
      const key = (
        await http
          .post('/v1/auth/api-keys')
          .set('Authorization', bearer(tokens))
          .send({ name: 'k' })
          .expect(201)
      ).body.data.key as string;
      await http.get('/v1/auth/me').set('Authorization', bearer(tokens)).expect(200); // cached
      await http.get('/v1/auth/me').set('X-API-Key', key).expect(200); // cached

      const res = await patch(adminTokens, person.id, { is_active: false }).expect(200);
      expect(res.body.data).toMatchObject({ id: person.id, is_active: false });
      expect(res.body.meta.operation).toBe('admin_update_user');

      expect(
        (await http.get('/v1/auth/me').set('Authorization', bearer(tokens)).expect(401)).body
          .errors[0].code,
      ).toBe('AUTH_INVALID_TOKEN');
      expect(
        (await http.get('/v1/auth/me').set('X-API-Key', key).expect(401)).body.errors[0].code,
      ).toBe('AUTH_INVALID_API_KEY');
      await http.post('/v1/auth/refresh').send({ refresh_token: tokens.refresh_token }).expect(401);
      await http
        .post('/v1/auth/login')
        .send({ email: person.email, password: person.password })
        .expect(403);

      await patch(adminTokens, person.id, { is_active: true }).expect(200);
      await login(app, person);
    });

    it('only a super_admin grants admin; the new role applies to tokens already issued', async () => {
      const person = await registerUser(app);
      const tokens = await login(app, person);
      await http.get('/v1/admin/users').set('Authorization', bearer(tokens)).expect(403); // cached as user

      const denied = await patch(adminTokens, person.id, { role: 'admin' }).expect(403);
      expect(denied.body.errors[0]).toMatchObject({
        code: 'AUTH_FORBIDDEN',
        details: { required: 'super_admin', actual: 'admin' },
      });
      await patch(root, person.id, { role: 'admin' }).expect(200);
      await http.get('/v1/admin/users').set('Authorization', bearer(tokens)).expect(200);

      await patch(root, person.id, { role: 'user' }).expect(200);
      await http.get('/v1/admin/users').set('Authorization', bearer(tokens)).expect(403);
    });

    it('an admin cannot disable another admin', async () => {
      const other = await registerUser(app);
      await grantRole(db, other.id, 'admin');
      const res = await patch(adminTokens, other.id, { is_active: false }).expect(403);
      expect(res.body.errors[0].details).toEqual({ required: 'super_admin', actual: 'admin' });
    });

    it('nobody may demote or disable the last active super_admin', async () => {
      const rootId = (await http.get('/v1/auth/me').set('Authorization', bearer(root))).body.data
        .id as string;
      for (const body of [{ role: 'admin' }, { is_active: false }]) {
        const res = await patch(root, rootId, body).expect(403);
        expect(res.body.errors[0]).toMatchObject({
          code: 'AUTH_FORBIDDEN',
          details: { reason: 'last_active_super_admin' },
        });
      }
    });

    it.each([
      [
        'an unknown user',
        '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
        { is_active: false },
        404,
        'NF_USER',
      ],
      ['a malformed id', 'nope', { is_active: false }, 400, 'VAL_INVALID_ID'],
      [
        'an unknown role',
        '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
        { role: 'god' },
        400,
        'VAL_FAILED',
      ],
    ])('answers %s', async (_case, id, body, status, code) => {
      const res = await patch(root, id, body).expect(status);
      expect(res.body.errors[0].code).toBe(code);
    });

    // Last in the file: it may demote the bootstrap super_admin.
    it('two super_admins demoting each other at once: exactly one succeeds', async () => {
      const second = await registerUser(app);
      await patch(root, second.id, { role: 'super_admin' }).expect(200);
      const secondTokens = await login(app, second);
      const rootId = (await http.get('/v1/auth/me').set('Authorization', bearer(root))).body.data
        .id as string;
      const results = await Promise.all([
        patch(root, second.id, { role: 'user' }),
        patch(secondTokens, rootId, { role: 'user' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 403]);
      const [{ count }] = await db.query<{ count: string }[]>(
        "SELECT count(*) FROM users WHERE role = 'super_admin' AND is_active",
      );
      expect(Number(count)).toBe(1);
    });
  });
});
