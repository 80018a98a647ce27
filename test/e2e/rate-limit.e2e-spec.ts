import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types';
import { bearer, login, newUserBody, registerUser, type TokenPair } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';

const LIMIT = 5;
const AUTH_LIMIT = 3;

describe('rate limits (API.md §1.3)', () => {
  describe('in process', () => {
    let setup: TestApp;
    let t: TestApp;
    let app: App;
    let http: ReturnType<typeof request>;
    let alice: TokenPair;
    let bob: TokenPair;

    beforeAll(async () => {
      // Users are made on an unlimited app; the limited app under test shares the database.
      setup = await createTestApp();
      const setupApp = setup.app.getHttpServer() as App;
      alice = await login(setupApp, await registerUser(setupApp));
      bob = await login(setupApp, await registerUser(setupApp));
      t = await createTestApp({
        env: {
          RATE_LIMIT_PER_MINUTE: String(LIMIT),
          AUTH_RATE_LIMIT_PER_MINUTE: String(AUTH_LIMIT),
        },
      });
      app = t.app.getHttpServer();
      http = request(app);
    });
    afterAll(async () => {
      await t.close();
      await setup.close();
    });

    it('counts per user across all routes, with X-RateLimit-* headers, then 429 with Retry-After', async () => {
      const routes = [
        '/v1/auth/me',
        '/v1/auth/api-keys',
        '/v1/auth/me',
        '/v1/auth/api-keys',
        '/v1/auth/me',
      ];
      for (const [index, route] of routes.entries()) {
        const res = await http.get(route).set('Authorization', bearer(alice)).expect(200);
        expect(res.headers['x-ratelimit-limit']).toBe(String(LIMIT));
        expect(res.headers['x-ratelimit-remaining']).toBe(String(LIMIT - index - 1));
        expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
      }
      const limited = await http.get('/v1/auth/me').set('Authorization', bearer(alice)).expect(429);
      expect(limited.body).toMatchObject({
        data: null,
        errors: [{ code: 'RATE_LIMIT_EXCEEDED', details: { limit: LIMIT, window_seconds: 60 } }],
      });
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // another user from the same IP has a budget of its own
      await http.get('/v1/auth/me').set('Authorization', bearer(bob)).expect(200);
    });

    it('limits failed authentications per IP too (a token-guessing flood gets 429, not endless 401s)', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 2; i++) {
        const res = await http
          .get('/v1/auth/me')
          .set('Authorization', 'Bearer forged')
          .set('X-Forwarded-For', 'ignored-without-trust-proxy');
        statuses.push(res.status);
      }
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(LIMIT);
      expect(statuses.at(-1)).toBe(429);
    });

    it('never limits /health, /health/live or /metrics', async () => {
      for (let i = 0; i < LIMIT * 3; i++) {
        const res = await http.get(
          i % 3 === 0 ? '/health' : i % 3 === 1 ? '/health/live' : '/metrics',
        );
        expect(res.status).toBe(200);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    });
  });

  describe('auth routes', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        env: { RATE_LIMIT_PER_MINUTE: '1000', AUTH_RATE_LIMIT_PER_MINUTE: String(AUTH_LIMIT) },
      });
    });
    afterAll(() => t.close());

    it('allows only AUTH_RATE_LIMIT_PER_MINUTE login/register/refresh calls per IP, together', async () => {
      const http = request(t.app.getHttpServer());
      const body = newUserBody();
      await http.post('/v1/auth/register').send(body).expect(201);
      await http
        .post('/v1/auth/login')
        .send({ email: body.email, password: body.password })
        .expect(200);
      await http.post('/v1/auth/refresh').send({ refresh_token: 'whatever' }).expect(401);
      const res = await http
        .post('/v1/auth/login')
        .send({ email: body.email, password: body.password })
        .expect(429);
      expect(res.body.errors[0].code).toBe('RATE_LIMIT_EXCEEDED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    });
  });

  const redisUrl = process.env.REDIS_URL;
  (redisUrl ? describe : describe.skip)('two instances on one Redis (REDIS_URL)', () => {
    let a: TestApp;
    let b: TestApp;
    let tokens: TokenPair;
    beforeAll(async () => {
      // a namespace of its own: counters of earlier runs (kept 60 s) cannot leak in
      const env = {
        REDIS_URL: redisUrl!,
        RATE_LIMIT_NAMESPACE: `test-${randomUUID()}`,
        RATE_LIMIT_PER_MINUTE: String(LIMIT),
        AUTH_RATE_LIMIT_PER_MINUTE: '1000',
      };
      a = await createTestApp({ env });
      b = await createTestApp({ env });
      tokens = await login(a.app.getHttpServer(), await registerUser(a.app.getHttpServer()));
    });
    afterAll(async () => {
      await a.close();
      await b.close();
    });

    it('shares the counters: requests spread over both instances hit one limit', async () => {
      const instances = [a, b].map((x) => request(x.app.getHttpServer() as App));
      // register + login above used 2 of this IP's anonymous budget, not the user's
      for (let i = 0; i < LIMIT; i++) {
        const res = await instances[i % 2]
          .get('/v1/auth/me')
          .set('Authorization', bearer(tokens))
          .expect(200);
        expect(res.headers['x-ratelimit-remaining']).toBe(String(LIMIT - i - 1));
      }
      for (const instance of instances) {
        const res = await instance
          .get('/v1/auth/me')
          .set('Authorization', bearer(tokens))
          .expect(429);
        expect(res.body.errors[0].code).toBe('RATE_LIMIT_EXCEEDED');
      }
    });
  });
  if (!redisUrl) {
    console.warn('rate-limit.e2e: REDIS_URL is unset, the two-instance Redis test is skipped');
  }
});
