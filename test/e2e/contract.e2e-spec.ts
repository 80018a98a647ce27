import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { ERROR_CODES, type ErrorCode } from '../../src/platform/errors/error-codes';
import { listRoutes, type RouteInfo } from '../support/routes';
import { createTestApp, type TestApp } from '../support/test-app';

interface OpenApiSchema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  items?: OpenApiSchema;
  properties?: Record<string, OpenApiSchema>;
}
interface OpenApiResponse {
  description: string;
  content?: Record<string, { schema: OpenApiSchema }>;
}
interface OpenApiOperation {
  operationId?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, OpenApiResponse>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  security?: Record<string, string[]>[];
  components: {
    securitySchemes: Record<string, Record<string, string>>;
    schemas: Record<string, OpenApiSchema>;
  };
}

const ERROR_ENVELOPE = '#/components/schemas/ErrorEnvelopeDto';

/** The error envelope of a response: alone, or beside the handler's own body (readiness's 503). */
function errorSchemaOf(response: OpenApiResponse | undefined): OpenApiSchema | undefined {
  const schema = response?.content?.['application/json']?.schema;
  const isError = (s: OpenApiSchema) => s.allOf?.[0]?.$ref === ERROR_ENVELOPE;
  return schema && (isError(schema) ? schema : schema.oneOf?.find(isError));
}

/** The codes an operation documents under a status: its error envelope's narrowed `code`. */
function codesUnder(operation: OpenApiOperation | undefined, status: number): unknown[] {
  const narrowed = errorSchemaOf(operation?.responses[String(status)])?.allOf?.[1];
  return narrowed?.properties?.errors?.items?.properties?.code?.enum ?? [];
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
      for (const { op } of operations()) {
        expect(errorSchemaOf(op.responses['500'])).toBeDefined();
        for (const [status, response] of Object.entries(op.responses)) {
          if (status.startsWith('4')) expect(errorSchemaOf(response)).toBeDefined();
        }
        if (op.security === undefined) {
          expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
        }
      }
      expect(doc.components.schemas).toHaveProperty('ErrorEnvelopeDto');
      expect(doc.components.schemas).toHaveProperty('ResponseMetaDto');
      expect(JSON.stringify(doc.paths['/health'])).toContain('#/components/schemas/HealthDto');
    });

    it('documents SYS_INTERNAL under 500 on every operation', () => {
      const without = operations()
        .filter(({ op }) => !codesUnder(op, 500).includes('SYS_INTERNAL'))
        .map(({ op }) => op.operationId);
      expect(without).toEqual([]);
    });

    it('documents every code of the catalogue on an operation that answers it', () => {
      // answered by no operation: a path none matches; a tool worker lost is recorded in the
      // tool request (201, `error.code`), never the answer's status
      const notAnAnswer: ErrorCode[] = ['NF_ROUTE', 'SYS_TOOL_WORKER_FAILED'];
      const documented = new Set(
        operations().flatMap(({ op }) =>
          Object.keys(op.responses).flatMap((status) => codesUnder(op, Number(status))),
        ),
      );
      const missing = (Object.keys(ERROR_CODES) as ErrorCode[]).filter(
        (code) => !documented.has(code) && !notAnAnswer.includes(code),
      );
      expect(missing).toEqual([]);
      expect(notAnAnswer.filter((code) => documented.has(code))).toEqual([]);
      const toolError = doc.components.schemas.ToolRequestDto.properties?.error;
      expect(toolError?.properties?.code?.enum).toContain('SYS_TOOL_WORKER_FAILED');
    });

    // issue 21, finding 15: what a validating proxy saw answered but not documented
    it.each([
      ['post', '/v1/auth/login', 401, ['AUTH_INVALID_CREDENTIALS', 'AUTH_OTP_REQUIRED']],
      ['post', '/v1/auth/refresh', 401, ['AUTH_INVALID_TOKEN', 'AUTH_REFRESH_REUSED']],
      ['post', '/v1/auth/register', 409, ['CF_DUPLICATE_EMAIL', 'CF_DUPLICATE_USERNAME']],
      ['post', '/v1/auth/register', 422, ['BR_WEAK_PASSWORD', 'CF_IDEMPOTENCY_KEY_REUSED']],
      ['patch', '/v1/casefiles/{id}', 412, ['CF_VERSION_MISMATCH']],
      ['post', '/v1/tool-sessions/{id}/requests', 409, ['CF_SESSION_BUSY']],
      ['post', '/v1/tool-sessions/{id}/requests', 422, ['BR_SESSION_CLOSED', 'BR_SESSION_EXPIRED']],
      ['post', '/v1/tool-sessions/current/requests', 409, ['CF_SESSION_BUSY']],
      ['post', '/v1/tool-sessions/current/requests', 422, ['BR_SESSION_CLOSED']],
      ['post', '/v1/tool-sessions/current/requests', 404, ['NF_TOOL_SESSION']],
      ['post', '/v1/chat/sessions/{id}/messages', 409, ['CF_SESSION_BUSY']],
      ['post', '/v1/chat/sessions/{id}/messages', 422, ['BR_SESSION_CLOSED', 'BR_SESSION_EXPIRED']],
      ['post', '/v1/chat/sessions/current/messages', 409, ['CF_SESSION_BUSY']],
      ['post', '/v1/chat/sessions/current/messages', 422, ['BR_SESSION_CLOSED']],
      ['post', '/v1/auth/session-token', 404, ['NF_TOOL_SESSION']],
      ['post', '/v1/casefiles/{id}/permissions', 422, ['BR_OWNER_PERMISSION']],
    ])('documents %s %s → %i with %j', (method, path, status, codes) => {
      expect(codesUnder(doc.paths[path]?.[method], status)).toEqual(expect.arrayContaining(codes));
    });

    it('documents 422 on POST /casefiles only for a reused Idempotency-Key (all it can answer)', () => {
      expect(codesUnder(doc.paths['/v1/casefiles']?.post, 422)).toEqual([
        'CF_IDEMPOTENCY_KEY_REUSED',
      ]);
    });

    it("lets null through wherever the wire sends it (a tool request's, a sync job's error)", () => {
      for (const [schema, field] of [
        ['ToolRequestDto', 'error'],
        ['SyncJobDto', 'error'],
      ]) {
        expect(doc.components.schemas[schema].properties?.[field]).toMatchObject({
          type: 'object',
          nullable: true,
        });
      }
      // OpenAPI 3.0 admits null only to the schema that says `nullable`, and checks the rest
      // against null too: a `$ref` (or the `allOf: [$ref]` that `@ApiProperty({type: Dto,
      // nullable: true})` makes), or an `enum` without null, still refuses it
      const refusesNull: string[] = [];
      const walk = (schema: OpenApiSchema, at: string): void => {
        const refused =
          schema.$ref !== undefined ||
          schema.allOf !== undefined ||
          (schema.enum !== undefined && !schema.enum.includes(null));
        if (schema.nullable === true && refused) refusesNull.push(at);
        for (const [name, property] of Object.entries(schema.properties ?? {})) {
          walk(property, `${at}.${name}`);
        }
        if (schema.items) walk(schema.items, `${at}[]`);
      };
      for (const [name, schema] of Object.entries(doc.components.schemas)) walk(schema, name);
      expect(refusesNull).toEqual([]);
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

    it('with error responses on every operation (each can fail with a 4xx)', () => {
      // even /health: the input edge refuses a hostile query string on every route (issue 21)
      const without = report.problems
        .filter((p) => p.ruleId === 'operation-4xx-response')
        .map((p) => p.location[0].pointer);
      expect(without).toEqual([]);
    });
  });
});
