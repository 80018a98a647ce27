import * as fc from 'fast-check';
import request from 'supertest';
import { createCasefile } from '../factories/casefiles';
import { openSession } from '../factories/sessions';
import { bearer, loggedInUser, type TokenPair } from '../factories/users';
import { gmailMessage } from '../fixtures/google';
import { createTestApp, type TestApp } from '../support/test-app';
import { createFreshDatabase } from '../support/test-database';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Schema = Json;

/** Runs per operation: CI's budget; FUZZ_RUNS raises it, FUZZ_SEED replays a run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
/** Fixed in CI, so a run is reproducible; any other seed explores further. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_207);

/** Strings that broke the service once (issue 21), and their kin. */
const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u202e\u200b',
  '😀'.repeat(10),
  'x'.repeat(5_000),
  '../..',
  '..',
  '%2e%2e',
  '<svg onload=alert(1)>',
  "' OR 1=1 --",
  '${jndi:ldap://x}',
  '{"a":1}',
  '9'.repeat(40),
  '-1',
  '1e309',
  'NaN',
  'null',
  '0000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '2026-02-30T00:00:00Z',
  '00000000-0000-0000-0000-000000000000',
  'javascript:alert(1)',
];
const HOSTILE_NUMBERS = [-1, 0, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e308, -1e308, 0.5];

/** A JSON value nested `depth` deep (arrays or objects). */
const nested = (depth: number, object: boolean): unknown => {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = object ? { a: value } : [value];
  return value;
};

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(...HOSTILE_NUMBERS),
  fc.constantFrom(null, true, false, [], {}),
  fc.integer({ min: 60, max: 200 }).map((depth) => nested(depth, depth % 2 === 0)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A value as the text a URL or a header carries it as. */
const asText = (value: unknown): string =>
  typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));

/** The fixtures an operation's ids may name: the caller's own, a stranger's, none. */
interface Fixtures {
  ids: string[];
  strings: string[];
}

/**
 * An arbitrary for values of `schema` — mostly what it describes, often at and past its bounds,
 * sometimes something else altogether (another type, a hostile string, deep nesting).
 */
function arbitraryOf(
  schema: Schema | undefined,
  doc: Json,
  fixtures: Fixtures,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return hostileValue;
  if (schema.$ref) {
    const name = (schema.$ref as string).split('/').pop() as string;
    return arbitraryOf(doc.components.schemas[name] as Schema, doc, fixtures, depth + 1);
  }
  if (schema.allOf)
    return arbitraryOf(Object.assign({}, ...(schema.allOf as Schema[])), doc, fixtures, depth + 1);
  if (schema.oneOf || schema.anyOf) {
    const options = (schema.oneOf ?? schema.anyOf) as Schema[];
    return fc.oneof(...options.map((option) => arbitraryOf(option, doc, fixtures, depth + 1)));
  }
  // mostly well-typed, so a request gets past validation to where a value is used
  const typed = typedArbitrary(schema, doc, fixtures, depth);
  return fc.oneof({ arbitrary: typed, weight: 12 }, { arbitrary: hostileValue, weight: 1 });
}

/** What a schema shows as its examples: values the service takes, a fuzz's way past validation. */
function examplesOf(schema: Schema): string[] {
  const shown = [schema.example, ...((schema.examples as unknown[] | undefined) ?? [])];
  return shown.filter((value): value is string => typeof value === 'string');
}

function typedArbitrary(
  schema: Schema,
  doc: Json,
  fixtures: Fixtures,
  depth: number,
): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]), 'not-in-the-enum');
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'uuid') return fc.oneof(fc.constantFrom(...fixtures.ids), fc.uuid());
      if (schema.format === 'email') {
        return fc.oneof(fc.emailAddress(), fc.constantFrom(...HOSTILE_STRINGS));
      }
      if (schema.format === 'date-time') {
        return fc.oneof(
          fc
            .date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
            .map((d) => d.toISOString()),
          fc.constantFrom(
            '0000-01-01T00:00:00Z',
            '+020000-01-01T00:00:00Z',
            '9999-12-31T23:59:59.999Z',
          ),
        );
      }
      return fc.oneof(
        fc.string({
          minLength: schema.minLength ?? 0,
          maxLength: Math.min(schema.maxLength ?? 50, 300),
        }),
        // any UTF-16 code unit: NULs and lone surrogates included
        fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
        fc.constantFrom(...HOSTILE_STRINGS),
        fc.constantFrom(...fixtures.strings, ...examplesOf(schema)),
        schema.maxLength !== undefined
          ? fc.constant('x'.repeat((schema.maxLength as number) + 1))
          : fc.constant(''),
      );
    case 'integer':
    case 'number':
      return fc.oneof(
        fc.integer({
          min: (schema.minimum as number | undefined) ?? -5,
          max: (schema.maximum as number | undefined) ?? 1000,
        }),
        fc.constantFrom(...HOSTILE_NUMBERS),
      );
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(arbitraryOf(schema.items as Schema, doc, fixtures, depth + 1), {
        maxLength: Math.min(((schema.maxItems as number | undefined) ?? 3) + 1, 6),
      });
    case 'object':
    default: {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      const record = fc.record(
        Object.fromEntries(
          Object.entries(properties).map(([key, value]) => [
            key,
            arbitraryOf(value, doc, fixtures, depth + 1),
          ]),
        ),
        { requiredKeys: [...required].filter((key) => key in properties) },
      );
      // now and then a field the schema does not know
      const extra = fc.oneof(
        { arbitrary: fc.constant(null), weight: 8 },
        { arbitrary: fc.tuple(fc.string({ maxLength: 10 }), hostileValue), weight: 1 },
      );
      return fc
        .tuple(record, extra)
        .map(([value, more]) => (more ? { ...value, [more[0] || 'extra']: more[1] } : value));
    }
  }
}

interface Operation {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: string;
  operationId: string;
  spec: Json;
}

/**
 * Operations that end a fixture run last, so the others meet live ones: closes, revocations and
 * the deletion, then logout, which ends the caller's login.
 */
const ENDING = /^(close_|revoke_|delete_)/;
const orderOf = (operationId: string) =>
  operationId === 'logout' ? 2 : ENDING.test(operationId) ? 1 : 0;

/**
 * Issue 21, point 12: a property-based pass over every operation of the served OpenAPI document.
 * Each operation gets requests built from its own schema (path, query, headers, body) by
 * fast-check — inside and past the schema's bounds, and hostile values of every kind — sent as a
 * user who owns real fixtures the ids may name. Property: no answer is a 5xx (the SSE answers
 * included: no `SYS_INTERNAL` event). Each response is also checked against the document (the
 * test app's contract check). A failure prints the seed and the shrunk request.
 */
describe('Fuzz: every operation of the OpenAPI document (issue 21)', () => {
  let t: TestApp;
  let doc: Json;
  let operations: Operation[];
  let user: TokenPair & { id: string };
  let fixtures: Fixtures;
  /** The caller's own resource of each kind, by the path prefix that names it. */
  let own: [RegExp, string][];
  const ownIdFor = (path: string, param: string): string =>
    param === 'id' ? (own.find(([prefix]) => prefix.test(path))?.[1] ?? own[0][1]) : own[0][1];
  const api = () => request(t.app.getHttpServer());

  let database: Awaited<ReturnType<typeof createFreshDatabase>>;

  beforeAll(async () => {
    // a database of its own: the sync jobs it queues must not reach another suite's workers,
    // and its Google (API and OAuth) is a port where nothing listens
    database = await createFreshDatabase('casefile_hub_test_fuzz');
    t = await createTestApp({
      databaseUrl: database.url,
      env: {
        GOOGLE_API_BASE_URL: 'http://127.0.0.1:9',
        GOOGLE_CLIENT_ID: 'fuzz-client',
        GOOGLE_CLIENT_SECRET: 'fuzz-secret',
        GOOGLE_REDIRECT_URI: 'https://hub.example.test/v1/google/oauth/callback',
        GOOGLE_OAUTH_BASE_URL: 'http://127.0.0.1:9',
        GOOGLE_RETURN_URLS: 'https://app.example.test/',
      },
    });
    const server = t.app.getHttpServer();
    doc = (await api().get('/v1/openapi.json').expect(200)).body as Json;
    user = await loggedInUser(server);
    const stranger = await loggedInUser(server);
    const casefile = await createCasefile(server, user, { title: 'fuzzed' });
    const theirs = await createCasefile(server, stranger, { title: 'not yours' });
    const toolSession = await openSession(server, user, 'tool', { casefile_id: casefile.id });
    const chatSession = await openSession(server, user, 'chat', { casefile_id: casefile.id });
    await api()
      .post(`/v1/casefiles/${casefile.id}/gmail-messages`)
      .set('Authorization', bearer(user))
      .send({ messages: [gmailMessage({ id: 'fuzz-1', subject: 'fuzz', text: 'fuzz body' })] })
      .expect(200);
    own = [
      [/^\/v1\/tool-sessions\//, toolSession.id as string],
      [/^\/v1\/chat\/sessions\//, chatSession.id as string],
      [/^\/v1\/(admin\/)?users\//, user.id],
      [/^\/v1\//, casefile.id],
    ];
    fixtures = {
      ids: [
        casefile.id,
        theirs.id,
        toolSession.id as string,
        chatSession.id as string,
        user.id,
        stranger.id,
      ],
      strings: ['fuzz', 'current', 'text.stats', 'math.evaluate', 'editor', 'viewer', 'gmail'],
    };
    operations = [];
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const method of ['get', 'post', 'patch', 'put', 'delete'] as const) {
        const spec = (item as Json)[method] as Json | undefined;
        if (spec) operations.push({ method, path, operationId: spec.operationId as string, spec });
      }
    }
    operations.sort((a, b) => orderOf(a.operationId) - orderOf(b.operationId));
    process.stdout.write(
      `fuzz: ${operations.length} operations × ${RUNS} runs, FUZZ_SEED=${SEED}\n`,
    );
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  it('answers no request of any operation with a 5xx', async () => {
    const failures: string[] = [];
    /** What each operation answered: the fuzz reaches past validation when 2xx/4xx mix. */
    const coverage: string[] = [];
    for (const operation of operations) {
      const parameters = (operation.spec.parameters ?? []) as Json[];
      const bodySchema = operation.spec.requestBody?.content?.['application/json']?.schema as
        Schema | undefined;
      const pathParams = parameters.filter((p) => p.in === 'path');
      const queryParams = parameters.filter((p) => p.in === 'query');
      const headerParams = parameters.filter((p) => p.in === 'header');
      const requestArb = fc.record({
        path: fc.record(
          Object.fromEntries(
            pathParams.map((p) => [
              p.name as string,
              fc.oneof(
                // mostly the caller's own resource of the kind the path names: past the 404s
                { arbitrary: fc.constant(ownIdFor(operation.path, p.name as string)), weight: 3 },
                { arbitrary: arbitraryOf(p.schema as Schema, doc, fixtures), weight: 2 },
              ),
            ]),
          ),
        ),
        query: fc.record(
          Object.fromEntries(
            queryParams.map((p) => [
              p.name as string,
              arbitraryOf(p.schema as Schema, doc, fixtures),
            ]),
          ),
          { requiredKeys: [] },
        ),
        headers: fc.record(
          Object.fromEntries(
            headerParams.map((p) => [
              p.name as string,
              fc.oneof(
                fc.string({ maxLength: 300 }),
                fc.constantFrom('99999999999', '-1', 'x'.repeat(300)),
              ),
            ]),
          ),
          { requiredKeys: [] },
        ),
        body: bodySchema ? arbitraryOf(bodySchema, doc, fixtures) : fc.constant(undefined),
        accept: fc.constantFrom('application/json', 'text/event-stream', '*/*'),
      });
      const statuses: Record<number, number> = {};
      try {
        await fc.assert(
          fc.asyncProperty(requestArb, async (input) => {
            let url: string;
            try {
              url = operation.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
                encodeURIComponent(asText(input.path[name] ?? 'x')),
              );
            } catch {
              return; // a lone surrogate cannot be written into a URL: no request to send
            }
            let req = api()
              [operation.method](url)
              .set('Authorization', bearer(user))
              .set('Accept', input.accept);
            const query = Object.fromEntries(
              Object.entries(input.query).map(([key, value]) => [
                key,
                typeof value === 'string' ? value : JSON.stringify(value),
              ]),
            );
            req = req.query(query);
            for (const [name, value] of Object.entries(input.headers)) {
              // a header value Node refuses to send is the client's problem, not a request
              if (/^[\t\x20-\x7e]*$/.test(String(value))) req = req.set(name, String(value));
            }
            const res =
              input.body === undefined
                ? await req
                : await req
                    .set('Content-Type', 'application/json')
                    .send(JSON.stringify(input.body));
            statuses[res.status] = (statuses[res.status] ?? 0) + 1;
            const streamFailure =
              res.type === 'text/event-stream' && /"code":"SYS_INTERNAL"/.test(res.text);
            if (res.status >= 500 || streamFailure) {
              throw new Error(
                `${operation.method.toUpperCase()} ${url} → ${res.status}: ${(res.text ?? '').slice(0, 300)}`,
              );
            }
          }),
          { numRuns: RUNS, seed: SEED, endOnFailure: true },
        );
      } catch (error) {
        failures.push(`${operation.operationId}: ${(error as Error).message.slice(0, 1500)}`);
      }
      coverage.push(`${operation.operationId} ${JSON.stringify(statuses)}`);
    }
    if (process.env.FUZZ_COVERAGE) process.stdout.write(`${coverage.join('\n')}\n`);
    expect(failures).toEqual([]);
  });
});
