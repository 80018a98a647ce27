import type { ApplicationConfig } from '@nestjs/core';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('HTTP platform', () => {
  let t: TestApp;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    t = await createTestApp({ env: { CORS_ORIGINS: 'https://app.example.com' } });
    http = request(t.app.getHttpServer());
  });
  afterAll(() => t.close());

  describe('shape of the request path', () => {
    it('runs one application interceptor (the RequestHub) and the three guards, nothing more', () => {
      const config = (t.app as unknown as { config: ApplicationConfig }).config;
      expect(config.getGlobalInterceptors().map((i) => i.constructor.name)).toEqual([
        'RequestHubInterceptor',
      ]);
      expect(config.getGlobalGuards().map((g) => g.constructor.name)).toEqual([
        'AuthGuard',
        'RateLimitGuard',
        'AuthorizationGuard',
      ]);
    });
  });

  describe('envelope', () => {
    it('wraps a success in {data, meta, errors: []} with the operation and the hooks that ran', async () => {
      const res = await http.get('/health/live').expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({
        data: { status: 'ok' },
        meta: {
          request_id: expect.stringMatching(UUID) as string,
          timestamp: expect.stringMatching(ISO_UTC) as string,
          operation: 'health_live',
          hooks: ['metrics'],
        },
        errors: [],
      });
    });

    it('gives an error data: null and one error with a code', async () => {
      const res = await http.get('/v1/does-not-exist').expect(404);
      expect(res.body).toEqual({
        data: null,
        meta: {
          request_id: expect.stringMatching(UUID) as string,
          timestamp: expect.stringMatching(ISO_UTC) as string,
        },
        errors: [{ code: 'NF_ROUTE', message: 'No route for GET /v1/does-not-exist' }],
      });
    });
  });

  describe('X-Request-ID', () => {
    it('echoes a valid client id in the header and meta', async () => {
      const id = 'client-Req_01.abc';
      const res = await http.get('/health/live').set('X-Request-ID', id).expect(200);
      expect(res.headers['x-request-id']).toBe(id);
      expect(res.body.meta.request_id).toBe(id);
    });

    it('accepts exactly 128 characters', async () => {
      const id = 'a'.repeat(128);
      const res = await http.get('/health/live').set('X-Request-ID', id).expect(200);
      expect(res.headers['x-request-id']).toBe(id);
    });

    it.each([
      ['too long', 'a'.repeat(129)],
      ['forbidden characters', 'abc def'],
      ['a slash', 'abc/def'],
      ['unicode', 'ümlaut'],
    ])('replaces an id with %s by a new UUID', async (_case, id) => {
      const res = await http.get('/health/live').set('X-Request-ID', id).expect(200);
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(res.body.meta.request_id).toBe(res.headers['x-request-id']);
    });

    it('makes a new id per request when none is sent, also on errors', async () => {
      const a = await http.get('/health/live');
      const b = await http.get('/v1/nope');
      expect(a.headers['x-request-id']).toMatch(UUID);
      expect(b.headers['x-request-id']).toMatch(UUID);
      expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
      expect(b.body.meta.request_id).toBe(b.headers['x-request-id']);
    });
  });

  describe('routing and prefix', () => {
    it('serves health and metrics outside /v1, and not inside it', async () => {
      await http.get('/health').expect(200);
      await http.get('/metrics').expect(200);
      const inside = await http.get('/v1/health').expect(404);
      expect(inside.body.errors[0].code).toBe('NF_ROUTE');
      await http.get('/v1/metrics').expect(404);
    });

    it('answers unknown routes on any method with 404 NF_ROUTE', async () => {
      for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
        const res = await http[method]('/v1/nothing/here').expect(404);
        expect(res.body.errors[0].code).toBe('NF_ROUTE');
      }
    });
  });

  describe('security headers', () => {
    it('sets helmet defaults on API responses and on errors', async () => {
      for (const path of ['/health', '/v1/nope']) {
        const res = await http.get(path);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(res.headers['content-security-policy']).toContain("default-src 'self'");
        expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });
  });

  describe('CORS', () => {
    it('allows a configured origin and exposes the contract headers', async () => {
      const res = await http.get('/health/live').set('Origin', 'https://app.example.com');
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(res.headers['access-control-expose-headers']).toContain('X-Request-ID');
      expect(res.headers['access-control-expose-headers']).toContain('Retry-After');
    });

    it('answers a preflight from a configured origin', async () => {
      const res = await http
        .options('/v1/casefiles')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'POST')
        .expect(204);
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    });

    it('does not allow an origin that is not configured', async () => {
      const res = await http.get('/health/live').set('Origin', 'https://evil.example.com');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('compression', () => {
    it.each([
      ['gzip', 'gzip'],
      ['deflate', 'deflate'],
      ['br;q=1.0, gzip;q=0.5', 'br'],
      ['*', 'br'],
    ])('compresses large JSON for a client accepting %s', async (accepted, encoding) => {
      const res = await http.get('/v1/openapi.json').set('Accept-Encoding', accepted).expect(200);
      expect(res.headers['content-encoding']).toBe(encoding);
    });

    it.each(['identity', '*;q=0, identity', 'compress', ''])(
      'sends plain bodies to a client accepting %p',
      async (accepted) => {
        const res = await http.get('/v1/openapi.json').set('Accept-Encoding', accepted).expect(200);
        expect(res.headers['content-encoding']).toBeUndefined();
        expect(JSON.parse(res.text)).toHaveProperty('openapi');
      },
    );
  });

  it('never sends an automatic ETag on envelopes', async () => {
    const res = await http.get('/health/live').expect(200);
    expect(res.headers.etag).toBeUndefined();
  });
});
