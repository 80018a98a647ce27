import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { listRoutes, type RouteInfo } from '../support/routes';
import { createTestApp, type TestApp } from '../support/test-app';

interface OpenApiOperation {
  operationId?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  security?: Record<string, string[]>[];
  components: {
    securitySchemes: Record<string, Record<string, string>>;
    schemas: Record<string, unknown>;
  };
}

const run = promisify(execFile);

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

describe('contract', () => {
  let t: TestApp;
  let routes: RouteInfo[];
  let doc: OpenApiDocument;

  beforeAll(async () => {
    t = await createTestApp();
    routes = listRoutes(t.app);
    doc = (await request(t.app.getHttpServer()).get('/v1/openapi.json').expect(200))
      .body as OpenApiDocument;
  });
  afterAll(() => t.close());

  it('finds the routes (guards against an empty, vacuous scan)', () => {
    expect(routes.length).toBeGreaterThanOrEqual(3);
  });

  it('gives every route an operation name and an operation id used once', () => {
    const missing = routes.filter((route) => !route.operation).map((route) => route.handler);
    expect(missing).toEqual([]);
    const ids = routes.map((route) => route.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    // a name shared by two routes is the same operation by id and through the token's binding
    const shared = routes.filter((r) => r.operation !== r.operationId).map((r) => r.path);
    expect(shared.sort()).toEqual([
      '/chat/sessions/current/messages',
      '/tool-sessions/current/requests',
    ]);
  });

  it('makes every creating POST (201) honour Idempotency-Key, and nothing else', () => {
    const creating = routes.filter((r) => r.method === 'POST' && r.successStatus === 201);
    expect(creating.length).toBeGreaterThanOrEqual(2);
    expect(creating.filter((r) => !r.idempotent).map((r) => r.operation)).toEqual([]);
    expect(
      routes.filter((r) => r.idempotent && r.successStatus !== 201).map((r) => r.operation),
    ).toEqual([]);
  });

  it('matches the access snapshot: a change in who may call what shows up as a diff', () => {
    const table = routes.map(
      (r) => `${r.method.padEnd(6)} ${r.path.padEnd(40)} ${r.operation} ${r.access}`,
    );
    expect(table).toMatchSnapshot();
  });

  describe('OpenAPI document', () => {
    const operations = () =>
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.entries(item).map(([method, op]) => ({ path, method, op })),
      );

    it('is OpenAPI 3 with every documented route under its operation id', () => {
      expect(doc.openapi).toMatch(/^3\./);
      const documented = operations().map(({ op }) => op.operationId);
      const expected = routes
        .filter((route) => route.operation !== 'get_metrics') // Prometheus text, not part of the JSON API
        .map((route) => route.operationId);
      expect(documented.sort()).toEqual(expected.sort());
      expect(doc.paths['/health']?.get?.operationId).toBe('health');
      expect(doc.paths['/health/live']?.get?.operationId).toBe('health_live');
    });

    it('declares bearer and X-API-Key schemes and requires one of them by default', () => {
      expect(doc.components.securitySchemes).toEqual({
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        api_key: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      });
      expect(doc.security).toEqual([{ bearer: [] }, { api_key: [] }]);
    });

    it('marks public routes as needing no credentials', () => {
      const publicIds = routes.filter((r) => r.access === 'public').map((r) => r.operation);
      for (const { op } of operations()) {
        if (publicIds.includes(op.operationId)) expect(op.security).toEqual([]);
        else expect(op.security).toBeUndefined();
      }
    });

    it('documents the envelope on success and the error envelope on every operation', () => {
      const envelope = {
        content: {
          'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelopeDto' } },
        },
      };
      for (const { op } of operations()) {
        expect(op.responses['500']).toMatchObject(envelope);
        for (const [status, response] of Object.entries(op.responses)) {
          if (status.startsWith('4')) expect(response).toMatchObject(envelope);
        }
        if (op.security === undefined) {
          expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
        }
      }
      expect(doc.components.schemas).toHaveProperty('ErrorEnvelopeDto');
      expect(doc.components.schemas).toHaveProperty('ResponseMetaDto');
      expect(JSON.stringify(doc.paths['/health'])).toContain('#/components/schemas/HealthDto');
    });
  });

  describe('Swagger UI', () => {
    it('serves the UI at /v1/docs with a CSP it can run under', async () => {
      const res = await request(t.app.getHttpServer()).get('/v1/docs').redirects(1).expect(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain('swagger-ui');
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("script-src 'self'");
      // its scripts are files on the same origin, which that CSP allows
      const init = await request(t.app.getHttpServer())
        .get('/v1/docs/swagger-ui-init.js')
        .expect(200);
      expect(init.text).toContain('SwaggerUIBundle');
      expect(init.text).toContain('"operationId": "health"');
    });
  });

  describe('the OpenAPI document passes redocly lint (recommended rules)', () => {
    let report: { totals: { errors: number }; problems: LintProblem[] };
    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'casefile-hub-openapi-'));
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc));
      try {
        // redocly exits 1 on errors and still prints its JSON report
        const { stdout } = await run('npx', ['redocly', 'lint', file, '--format=json']).catch(
          (error: { stdout: string }) => error,
        );
        report = JSON.parse(stdout) as typeof report;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('with no errors', () => {
      expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(report.totals.errors).toBe(0);
    });

    it('with error responses on every operation that can fail with a 4xx', () => {
      // /health and /health/live take no input, need no credentials and are not rate-limited
      const without = report.problems
        .filter((p) => p.ruleId === 'operation-4xx-response')
        .map((p) => p.location[0].pointer);
      expect(without.sort()).toEqual([
        '#/paths/~1health/get/responses',
        '#/paths/~1health~1live/get/responses',
      ]);
    });
  });
});
