import request from 'supertest';
import type { App } from 'supertest/types';
import { bearer, login, registerUser } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * REDIS_URL is set but nothing answers (port 1 refuses): caches and rate-limit counters must
 * degrade to the database and to in-process counting, never fail the request.
 */
describe('Redis configured but unreachable', () => {
  // room for the first test's 5 requests per user and the anonymous register/login calls per IP
  // (two per test)
  const LIMIT = 8;
  let t: TestApp;
  let app: App;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    t = await createTestApp({
      env: { REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_PER_MINUTE: String(LIMIT) },
    });
    app = t.app.getHttpServer();
    http = request(app);
  });
  afterAll(() => t.close());

  it('serves authenticated requests from the database, and revocation still holds', async () => {
    const tokens = await login(app, await registerUser(app));
    const me = await http.get('/v1/auth/me').set('Authorization', bearer(tokens)).expect(200);
    expect(me.body.data.role).toBe('user');
    const key = (
      await http
        .post('/v1/auth/api-keys')
        .set('Authorization', bearer(tokens))
        .send({ name: 'k' })
        .expect(201)
    ).body.data as { id: string; key: string };
    await http.get('/v1/auth/me').set('X-API-Key', key.key).expect(200);
    await http.post('/v1/auth/logout').set('Authorization', bearer(tokens)).expect(200);
    const after = await http.get('/v1/auth/me').set('Authorization', bearer(tokens)).expect(401);
    expect(after.body.errors[0].code).toBe('AUTH_INVALID_TOKEN');
    await http.get('/v1/auth/me').set('X-API-Key', key.key).expect(200);
  });

  it('keeps rate limiting, counting in process', async () => {
    const tokens = await login(app, await registerUser(app));
    for (let i = 0; i < LIMIT; i++) {
      const res = await http.get('/v1/auth/me').set('Authorization', bearer(tokens)).expect(200);
      expect(res.headers['x-ratelimit-remaining']).toBe(String(LIMIT - i - 1));
    }
    const limited = await http.get('/v1/auth/me').set('Authorization', bearer(tokens)).expect(429);
    expect(limited.body.errors[0].code).toBe('RATE_LIMIT_EXCEEDED');
  });

  it('reports the outage on /health (503) and in the logs, once', async () => {
    // authenticated requests of its own, each of which would use the cache and the counters
    const tokens = await login(app, await registerUser(app));
    for (let i = 0; i < 2; i++) {
      await http.get('/v1/auth/me').set('Authorization', bearer(tokens)).expect(200);
    }
    const res = await http.get('/health').expect(503);
    expect(res.body.data.checks.redis.status).toBe('error');
    const warnings = t.logs.lines.filter((l) => l.msg === 'Redis unavailable: cache bypassed');
    expect(warnings.length).toBe(1);
    expect(
      t.logs.lines.some((l) => l.msg === 'Redis unavailable: counting rate limits in process'),
    ).toBe(true);
  });
});
