import request from 'supertest';
import { DataSource } from 'typeorm';
import { SessionSweeper } from '../../src/modules/sessions/session-sweeper';
import { createCasefile, grantPermission } from '../factories/casefiles';
import { openSession } from '../factories/sessions';
import {
  bearer,
  grantRole,
  loggedInUser,
  login,
  registerUser,
  type TokenPair,
} from '../factories/users';
import { ToolRunner } from '../../src/modules/tool-sessions/execution/tool-runner';
import { createTestApp, type TestApp } from '../support/test-app';
import { metricsReader } from '../support/metrics';
import { TestToolsModule } from '../support/tools';

type User = TokenPair & { id: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The ids of a page's items, in order. */
const idsOf = (items: unknown): string[] => (items as { id: string }[]).map((item) => item.id);

const TIMEOUT_MS = 1500;
const ENV = { TOOL_TIMEOUT_MS: String(TIMEOUT_MS), TOOL_MAX_RESULT_BYTES: '4096' };

describe('Tool sessions (API.md §5)', () => {
  let t: TestApp;
  let db: DataSource;
  const api = () => request(t.app.getHttpServer());

  beforeAll(async () => {
    t = await createTestApp({ env: ENV, imports: [TestToolsModule] });
    db = t.app.get(DataSource);
    // the timeouts here are short: let the worker threads finish starting first
    await t.app.get(ToolRunner).warmedUp;
  });
  afterAll(() => t.close());

  const newUser = (): Promise<User> => loggedInUser(t.app.getHttpServer());

  const newSession = (owner: User, body: Json = {}) =>
    openSession(t.app.getHttpServer(), owner, 'tool', body);

  const run = (caller: User | string, sessionId: string, tool: string, parameters?: Json) =>
    api()
      .post(`/v1/tool-sessions/${sessionId}/requests`)
      .set('Authorization', bearer(caller))
      .send({ tool, ...(parameters && { parameters }) });

  /** Waits until a request holds the session's busy lease (supertest sends on then()). */
  const heldBySomeone = async (id: string) => {
    for (let i = 0; i < 100 && (await sessionRow(id)).busy_token === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const sessionRow = async (id: string): Promise<Json> =>
    (await db.query<Json[]>('SELECT * FROM sessions WHERE id = $1', [id]))[0];

  describe('the registry', () => {
    let user: User;
    beforeAll(async () => (user = await newUser()));

    it('publishes every tool with its JSON Schema, found by file', async () => {
      const res = await api().get('/v1/tools').set('Authorization', bearer(user)).expect(200);
      const names = (res.body.data.items as Json[]).map((tool) => tool.name as string);
      expect(names).toEqual(expect.arrayContaining(['math.evaluate', 'text.stats', 'test.spin']));
      expect(res.body.data.has_more).toBe(false);
      const one = await api()
        .get('/v1/tools/text.stats')
        .set('Authorization', bearer(user))
        .expect(200);
      expect(one.body.data).toEqual({
        name: 'text.stats',
        description: expect.any(String),
        parameters: {
          type: 'object',
          properties: { text: { type: 'string', description: expect.any(String) } },
          required: ['text'],
          additionalProperties: false,
        },
        requires_casefile: false,
      });
    });

    it('answers 404 NF_TOOL for an unknown tool', async () => {
      const res = await api().get('/v1/tools/no.such').set('Authorization', bearer(user));
      expect(res.status).toBe(404);
      expect(res.body.errors[0].code).toBe('NF_TOOL');
    });
  });

  describe('sessions', () => {
    let owner: User;
    let viewer: User;
    let editor: User;
    let stranger: User;
    let admin: User;
    let casefileId: string;

    beforeAll(async () => {
      [owner, viewer, editor, stranger] = await Promise.all(
        Array.from({ length: 4 }, () => newUser()),
      );
      const adminAccount = await registerUser(t.app.getHttpServer());
      await grantRole(db, adminAccount.id, 'admin');
      admin = { ...(await login(t.app.getHttpServer(), adminAccount)), id: adminAccount.id };
      casefileId = (await createCasefile(t.app.getHttpServer(), owner)).id;
      await grantPermission(t.app.getHttpServer(), owner, casefileId, viewer.id, 'viewer');
      await grantPermission(t.app.getHttpServer(), owner, casefileId, editor.id, 'editor');
    });

    it('creates one with the defaults, alone or in a casefile the caller may edit', async () => {
      const alone = await newSession(owner);
      expect(alone).toMatchObject({
        kind: 'tool',
        user_id: owner.id,
        casefile_id: null,
        status: 'active',
        closed_at: null,
        request_count: 0,
      });
      const ttl = Date.parse(alone.expires_at) - Date.parse(alone.created_at);
      expect(ttl).toBeGreaterThanOrEqual(1800_000 - 1000);
      expect(ttl).toBeLessThanOrEqual(1800_000 + 1000);
      const inCasefile = await newSession(editor, { casefile_id: casefileId, ttl_seconds: 120 });
      expect(inCasefile.casefile_id).toBe(casefileId);
      expect(Date.parse(inCasefile.expires_at) - Date.parse(inCasefile.created_at)).toBeLessThan(
        121_000,
      );
    });

    it.each([
      ['a viewer', () => viewer, 403, 'AUTH_FORBIDDEN'],
      ['a stranger', () => stranger, 404, 'NF_CASEFILE'],
      ['an admin without a grant', () => admin, 404, 'NF_CASEFILE'],
    ])('refuses %s a session in the casefile', async (_who, caller, status, code) => {
      const res = await api()
        .post('/v1/tool-sessions')
        .set('Authorization', bearer(caller()))
        .send({ casefile_id: casefileId });
      expect(res.status).toBe(status);
      expect(res.body.errors[0].code).toBe(code);
    });

    it.each([[59], [86_401], ['60']])('refuses ttl_seconds %p', async (ttl) => {
      const res = await api()
        .post('/v1/tool-sessions')
        .set('Authorization', bearer(owner))
        .send({ ttl_seconds: ttl });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].details.fields[0].field).toBe('ttl_seconds');
      if (ttl === 86_401) {
        expect(res.body.errors[0].details.fields[0].message).toBe(
          'ttl_seconds must not be greater than 86400 (SESSION_MAX_TTL_SECONDS)',
        );
      }
    });

    it('reads it: the creator and viewers of its casefile; strangers and admins get 404', async () => {
      const session = await newSession(owner, { casefile_id: casefileId });
      for (const reader of [owner, viewer, editor]) {
        const res = await api()
          .get(`/v1/tool-sessions/${session.id}`)
          .set('Authorization', bearer(reader))
          .expect(200);
        expect(res.body.data.id).toBe(session.id);
        expect(res.body.meta).toMatchObject({
          session_id: session.id,
          hooks: ['metrics', 'audit', 'session_lifecycle'],
        });
        expect(res.headers['x-session-id']).toBe(session.id);
      }
      for (const outsider of [stranger, admin]) {
        const res = await api()
          .get(`/v1/tool-sessions/${session.id}`)
          .set('Authorization', bearer(outsider));
        expect(res.status).toBe(404);
        expect(res.body.errors[0].code).toBe('NF_TOOL_SESSION');
      }
      // a session outside any casefile is its creator's alone
      const own = await newSession(owner);
      const res = await api()
        .get(`/v1/tool-sessions/${own.id}`)
        .set('Authorization', bearer(viewer));
      expect(res.status).toBe(404);
    });

    it('refuses a path id that is not a UUID before any lookup', async () => {
      const res = await api()
        .get('/v1/tool-sessions/not-a-uuid')
        .set('Authorization', bearer(owner));
      expect(res.status).toBe(400);
      expect(res.body.errors[0].code).toBe('VAL_INVALID_ID');
    });

    it('closes it (its creator only), the same result twice', async () => {
      const session = await newSession(owner, { casefile_id: casefileId });
      const byViewer = await api()
        .post(`/v1/tool-sessions/${session.id}/close`)
        .set('Authorization', bearer(viewer));
      expect(byViewer.status).toBe(403);
      expect(byViewer.body.errors[0]).toMatchObject({
        code: 'AUTH_FORBIDDEN',
        details: { required: 'creator', actual: 'viewer' },
      });
      const byStranger = await api()
        .post(`/v1/tool-sessions/${session.id}/close`)
        .set('Authorization', bearer(stranger));
      expect(byStranger.status).toBe(404);
      const first = await api()
        .post(`/v1/tool-sessions/${session.id}/close`)
        .set('Authorization', bearer(owner))
        .expect(200);
      expect(first.body.data).toMatchObject({ status: 'closed', closed_at: expect.any(String) });
      const second = await api()
        .post(`/v1/tool-sessions/${session.id}/close`)
        .set('Authorization', bearer(owner))
        .expect(200);
      expect(second.body.data).toEqual(first.body.data);
      const refused = await run(owner, session.id, 'text.stats', { text: 'x' });
      expect(refused.status).toBe(422);
      expect(refused.body.errors[0].code).toBe('BR_SESSION_CLOSED');
    });

    it("lists the caller's own, newest first, by casefile and status, with cursors", async () => {
      const me = await newUser();
      const mine = await createCasefile(t.app.getHttpServer(), me);
      const a = await newSession(me, { casefile_id: mine.id });
      const b = await newSession(me);
      const c = await newSession(me, { casefile_id: mine.id });
      await api().post(`/v1/tool-sessions/${b.id}/close`).set('Authorization', bearer(me));
      await newSession(owner); // someone else's never shows
      const list = (query: string) =>
        api().get(`/v1/tool-sessions?${query}`).set('Authorization', bearer(me)).expect(200);
      const all = await list('include_total=true');
      expect(idsOf(all.body.data.items)).toEqual([c.id, b.id, a.id]);
      expect(all.body.data.total).toBe(3);
      const inCasefile = await list(`casefile_id=${mine.id}`);
      expect(idsOf(inCasefile.body.data.items)).toEqual([c.id, a.id]);
      const closed = await list('status=closed');
      expect(idsOf(closed.body.data.items)).toEqual([b.id]);
      const page1 = await list('limit=2');
      expect(page1.body.data).toMatchObject({ has_more: true });
      const page2 = await list(`limit=2&cursor=${page1.body.data.next_cursor}`);
      expect(idsOf([...page1.body.data.items, ...page2.body.data.items])).toEqual([
        c.id,
        b.id,
        a.id,
      ]);
      const bad = await api()
        .get('/v1/tool-sessions?status=sleeping')
        .set('Authorization', bearer(me));
      expect(bad.status).toBe(400);
    });

    it('counts the casefile’s tool sessions', async () => {
      const me = await newUser();
      const mine = await createCasefile(t.app.getHttpServer(), me);
      await newSession(me, { casefile_id: mine.id });
      await newSession(me, { casefile_id: mine.id });
      const res = await api().get(`/v1/casefiles/${mine.id}`).set('Authorization', bearer(me));
      expect(res.body.data.counts.tool_sessions).toBe(2);
    });

    it('runs tools for the creator only, and only while they may edit its casefile', async () => {
      const session = await newSession(editor, { casefile_id: casefileId });
      const byOwner = await run(owner, session.id, 'text.stats', { text: 'x' });
      expect(byOwner.status).toBe(403);
      const byStranger = await run(stranger, session.id, 'text.stats', { text: 'x' });
      expect(byStranger.status).toBe(404);
      expect(byStranger.body.errors[0].code).toBe('NF_TOOL_SESSION');
      await run(editor, session.id, 'text.stats', { text: 'x' }).expect(201);
      await grantPermission(t.app.getHttpServer(), owner, casefileId, editor.id, 'viewer');
      try {
        const downgraded = await run(editor, session.id, 'text.stats', { text: 'x' });
        expect(downgraded.status).toBe(403);
        expect(downgraded.body.errors[0].details).toEqual({ required: 'editor', actual: 'viewer' });
        // the refusal released the session: it is not left busy
        expect((await sessionRow(session.id)).busy_token).toBeNull();
      } finally {
        await grantPermission(t.app.getHttpServer(), owner, casefileId, editor.id, 'editor');
      }
    });
  });

  describe('execution', () => {
    let user: User;
    let session: Json;
    beforeAll(async () => {
      user = await newUser();
      session = await newSession(user);
    });

    it('runs text.stats and records it, answering 201 with the request', async () => {
      const res = await run(user, session.id, 'text.stats', {
        text: 'The cat and the hat.\nThe end 😀',
      }).expect(201);
      expect(res.body.data).toEqual({
        id: expect.any(String),
        session_id: session.id,
        tool: 'text.stats',
        parameters: { text: 'The cat and the hat.\nThe end 😀' },
        status: 'succeeded',
        result: {
          characters: 30,
          words: 7,
          lines: 2,
          top_words: [
            { word: 'the', count: 3 },
            { word: 'and', count: 1 },
            { word: 'cat', count: 1 },
            { word: 'end', count: 1 },
            { word: 'hat', count: 1 },
          ],
        },
        error: null,
        started_at: expect.any(String),
        duration_ms: expect.any(Number),
      });
      expect(res.body.meta).toMatchObject({
        operation: 'process_tool_request',
        session_id: session.id,
      });
      const stored = await db.query<Json[]>('SELECT * FROM tool_requests WHERE id = $1', [
        res.body.data.id,
      ]);
      expect(stored[0]).toMatchObject({ status: 'succeeded', result: res.body.data.result });
    });

    it.each([
      ['2 * (3 + 4)^2', 98],
      ['10 % 4 + sqrt(16)', 6],
      ['2 == 2', true],
      ['5 cm + 2 inch', '10.08 cm'],
    ])('evaluates %s with mathjs', async (expression, value) => {
      const res = await run(user, session.id, 'math.evaluate', { expression }).expect(201);
      expect(res.body.data).toMatchObject({ status: 'succeeded', result: { value } });
    });

    it.each([
      'import({}, {})',
      'evaluate("1+1")',
      'parse("1")',
      'createUnit("foo")',
      'cos.constructor("return process")()',
      '[].constructor.constructor("return process")()',
      'f(x) = x^2',
      '1/0',
      'this',
    ])('fails %s as a request, never an escape', async (expression) => {
      const res = await run(user, session.id, 'math.evaluate', { expression }).expect(201);
      expect(res.body.data).toMatchObject({
        status: 'failed',
        result: null,
        error: { code: 'TOOL_FAILED', message: expect.any(String) },
      });
    });

    it('refuses parameters that do not match the schema, with every error, running nothing', async () => {
      const before = (await sessionRow(session.id)).request_count as number;
      const cases: [Json | undefined, string[]][] = [
        [undefined, ['parameters.text']],
        [{ text: 5 }, ['parameters.text']],
        [{ text: 'a', extra: 1, more: 2 }, ['parameters.extra', 'parameters.more']],
      ];
      for (const [parameters, fields] of cases) {
        const res = await run(user, session.id, 'text.stats', parameters);
        expect(res.status).toBe(400);
        expect(res.body.errors[0].code).toBe('VAL_TOOL_PARAMETERS');
        expect(
          (res.body.errors[0].details.fields as Json[]).map((f) => f.field as string).sort(),
        ).toEqual(fields);
      }
      const notAnObject = await api()
        .post(`/v1/tool-sessions/${session.id}/requests`)
        .set('Authorization', bearer(user))
        .send({ tool: 'text.stats', parameters: 'text' });
      expect(notAnObject.status).toBe(400);
      expect(notAnObject.body.errors[0].code).toBe('VAL_FAILED');
      const unknown = await run(user, session.id, 'no.such', {});
      expect(unknown.status).toBe(404);
      expect(unknown.body.errors[0].code).toBe('NF_TOOL');
      const row = await sessionRow(session.id);
      expect(row.request_count).toBe(before);
      expect(row.busy_token).toBeNull();
    });

    it('records a throwing tool as failed / TOOL_FAILED', async () => {
      const res = await run(user, session.id, 'test.throw', {}).expect(201);
      expect(res.body.data).toMatchObject({
        status: 'failed',
        error: { code: 'TOOL_FAILED', message: 'the tool broke on purpose' },
      });
    });

    it('records a result over TOOL_MAX_RESULT_BYTES as TOOL_RESULT_TOO_LARGE', async () => {
      await run(user, session.id, 'test.big', { bytes: 4000 }).expect(201);
      const res = await run(user, session.id, 'test.big', { bytes: 5000 }).expect(201);
      expect(res.body.data).toMatchObject({
        status: 'failed',
        result: null,
        error: { code: 'TOOL_RESULT_TOO_LARGE' },
      });
    });

    it('stops a tool stuck in a CPU loop at the timeout while other requests are answered', async () => {
      const started = Date.now();
      const stuck = run(user, session.id, 'test.spin', { forever: true }).then((res) => res);
      const health: number[] = [];
      let done = false;
      void stuck.finally(() => (done = true));
      while (!done) {
        const sent = Date.now();
        await api().get('/health/live').expect(200);
        health.push(Date.now() - sent);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const res = await stuck;
      const took = Date.now() - started;
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({
        status: 'failed',
        error: { code: 'TOOL_TIMEOUT', message: `The tool did not finish within ${TIMEOUT_MS} ms` },
      });
      expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS);
      expect(took).toBeLessThan(TIMEOUT_MS + 1000);
      expect(health.length).toBeGreaterThanOrEqual(5);
      // a blocked event loop would hold the first of them for the whole timeout
      expect(Math.max(...health)).toBeLessThan(TIMEOUT_MS / 2);
      // the pool replaced the terminated thread: the next tool runs
      const next = await run(user, session.id, 'text.stats', { text: 'still here' }).expect(201);
      expect(next.body.data).toMatchObject({ status: 'succeeded', error: null });
    });

    it('abandons an event-loop tool that never settles at the timeout', async () => {
      const res = await run(user, session.id, 'test.wait', { forever: true }).expect(201);
      expect(res.body.data.error.code).toBe('TOOL_TIMEOUT');
    });

    it('lists the history oldest first with cursors, and counts it on the session', async () => {
      const fresh = await newSession(user);
      const texts = ['one', 'two', 'three'];
      for (const text of texts) await run(user, fresh.id, 'text.stats', { text }).expect(201);
      await run(user, fresh.id, 'test.throw', {}).expect(201);
      const page1 = await api()
        .get(`/v1/tool-sessions/${fresh.id}/requests?limit=2&include_total=true`)
        .set('Authorization', bearer(user))
        .expect(200);
      const page2 = await api()
        .get(`/v1/tool-sessions/${fresh.id}/requests?limit=2&cursor=${page1.body.data.next_cursor}`)
        .set('Authorization', bearer(user))
        .expect(200);
      const items = [...page1.body.data.items, ...page2.body.data.items] as Json[];
      expect(items.map((r) => (r.parameters.text ?? r.tool) as string)).toEqual([
        ...texts,
        'test.throw',
      ]);
      expect(page1.body.data.total).toBe(4);
      expect(page2.body.data.has_more).toBe(false);
      const read = await api()
        .get(`/v1/tool-sessions/${fresh.id}`)
        .set('Authorization', bearer(user))
        .expect(200);
      expect(read.body.data.request_count).toBe(4);
    });

    it('refuses a casefile tool in a session outside any casefile (422 BR_CASEFILE_REQUIRED)', async () => {
      // no casefile tool ships with this issue: the rule is checked with the registry's own flag
      const registry = t.app.get(
        (await import('../../src/modules/tool-sessions/registry/tool-registry')).ToolRegistry,
      );
      const tool = registry.get('test.wait');
      const original = tool.definition.requiresCasefile;
      tool.definition.requiresCasefile = true;
      try {
        const res = await run(user, session.id, 'test.wait', {});
        expect(res.status).toBe(422);
        expect(res.body.errors[0].code).toBe('BR_CASEFILE_REQUIRED');
      } finally {
        tool.definition.requiresCasefile = original;
      }
    });

    it('counts executions in tool_executions_total and their time in the histogram', async () => {
      const read = metricsReader(
        async () => (await api().get('/metrics').expect(200)).text,
        [
          'tool_executions_total{tool="text.stats",status="succeeded"}',
          'tool_executions_total{tool="test.throw",status="failed"}',
          'tool_execution_duration_seconds_count{tool="text.stats"}',
          'session_operations_total{operation="process_tool_request",status="201"}',
        ],
      );
      const before = await read();
      await run(user, session.id, 'text.stats', { text: 'one two' }).expect(201);
      await run(user, session.id, 'test.throw', {}).expect(201);
      const after = await read();
      expect(after.map((value, i) => value - before[i])).toEqual([1, 1, 1, 2]);
    });

    it('audits each execution with the tool and its outcome', async () => {
      const res = await run(user, session.id, 'test.throw', {}).expect(201);
      const events = await db.query<Json[]>(
        "SELECT * FROM audit_events WHERE request_id = $1 AND operation = 'process_tool_request'",
        [res.headers['x-request-id']],
      );
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        status: 'success',
        resource_type: 'tool_request',
        resource_id: res.body.data.id,
        details: expect.objectContaining({
          tool: 'test.throw',
          status: 'failed',
          error_code: 'TOOL_FAILED',
          session_id: session.id,
        }),
      });
    });
  });

  describe('one request at a time per session', () => {
    let second: TestApp;
    beforeAll(async () => {
      second = await createTestApp({ env: ENV, imports: [TestToolsModule] });
      await second.app.get(ToolRunner).warmedUp;
    });
    afterAll(() => second.close());

    it('answers 409 CF_SESSION_BUSY to a second concurrent request', async () => {
      const user = await newUser();
      const session = await newSession(user);
      const first = run(user, session.id, 'test.spin', { ms: 600 }).then((res) => res);
      await heldBySomeone(session.id);
      const second = await run(user, session.id, 'text.stats', { text: 'x' });
      expect(second.status).toBe(409);
      expect(second.body.errors[0].code).toBe('CF_SESSION_BUSY');
      expect((await first).status).toBe(201);
      await run(user, session.id, 'text.stats', { text: 'x' }).expect(201);
    });

    it('also across two instances on one database', async () => {
      const user = await newUser();
      const session = await newSession(user);
      // supertest sends on then(): start it now
      const onFirst = run(user, session.id, 'test.spin', { ms: 800 }).then((res) => res);
      await heldBySomeone(session.id);
      const onSecond = await request(second.app.getHttpServer())
        .post(`/v1/tool-sessions/${session.id}/requests`)
        .set('Authorization', bearer(user))
        .send({ tool: 'text.stats', parameters: { text: 'x' } });
      expect(onSecond.status).toBe(409);
      expect(onSecond.body.errors[0].code).toBe('CF_SESSION_BUSY');
      expect((await onFirst).status).toBe(201);
      await request(second.app.getHttpServer())
        .post(`/v1/tool-sessions/${session.id}/requests`)
        .set('Authorization', bearer(user))
        .send({ tool: 'text.stats', parameters: { text: 'x' } })
        .expect(201);
    });

    it('frees a session whose holder died once its lease has passed', async () => {
      const user = await newUser();
      const session = await newSession(user);
      // what a process killed mid-request leaves behind: a lease nobody will release
      await db.query(
        "UPDATE sessions SET busy_token = gen_random_uuid(), busy_until = now() + interval '1 hour' WHERE id = $1",
        [session.id],
      );
      expect((await run(user, session.id, 'text.stats', { text: 'x' })).status).toBe(409);
      await db.query("UPDATE sessions SET busy_until = now() - interval '1 second' WHERE id = $1", [
        session.id,
      ]);
      await run(user, session.id, 'text.stats', { text: 'x' }).expect(201);
      // the lease a request takes is 2 × TOOL_TIMEOUT_MS (a wait for a worker, then the run) + 5 s
      const leaseMs = 2 * TIMEOUT_MS + 5_000;
      const sent = Date.now();
      const spin = run(user, session.id, 'test.spin', { ms: 400 }).then((res) => res);
      await heldBySomeone(session.id);
      const lease = await sessionRow(session.id);
      const read = Date.now();
      // taken between sending and reading, so it ends leaseMs after a moment in that interval
      // (50 ms for the clocks of PostgreSQL and this process, and millisecond rounding)
      const until = (lease.busy_until as Date).getTime(); // a Date: Date.parse would drop its ms
      expect(until - sent).toBeGreaterThanOrEqual(leaseMs - 50);
      expect(until - read).toBeLessThanOrEqual(leaseMs + 50);
      await spin;
    });
  });

  describe('lifecycle', () => {
    let user: User;
    beforeAll(async () => (user = await newUser()));

    it('moves last_activity_at and expires_at forward after a successful request', async () => {
      const session = await newSession(user, { ttl_seconds: 600 });
      await db.query(
        "UPDATE sessions SET last_activity_at = now() - interval '5 minutes', expires_at = now() + interval '5 minutes' WHERE id = $1",
        [session.id],
      );
      await run(user, session.id, 'text.stats', { text: 'x' }).expect(201);
      const row = await sessionRow(session.id);
      expect(Date.now() - Date.parse(row.last_activity_at)).toBeLessThan(5_000);
      const ahead = Date.parse(row.expires_at) - Date.parse(row.last_activity_at);
      expect(Math.abs(ahead - 600_000)).toBeLessThan(1_000);
      expect(row.request_count).toBe(1);
    });

    it("keeps it alive for its creator's requests, not for a casefile viewer's reads", async () => {
      const viewer = await newUser();
      const casefile = await createCasefile(t.app.getHttpServer(), user);
      await grantPermission(t.app.getHttpServer(), user, casefile.id, viewer.id, 'viewer');
      const session = await newSession(user, { casefile_id: casefile.id });
      const past = "now() - interval '10 minutes'";
      await db.query(`UPDATE sessions SET last_activity_at = ${past} WHERE id = $1`, [session.id]);
      const read = (reader: User) =>
        api()
          .get(`/v1/tool-sessions/${session.id}`)
          .set('Authorization', bearer(reader))
          .expect(200);
      await read(viewer);
      const untouched = await sessionRow(session.id);
      expect(Date.now() - Date.parse(untouched.last_activity_at)).toBeGreaterThan(590_000);
      await read(user);
      const touched = await sessionRow(session.id);
      expect(Date.now() - Date.parse(touched.last_activity_at)).toBeLessThan(5_000);
    });

    it('never moves expires_at past the absolute cap', async () => {
      const session = await newSession(user);
      await db.query(
        "UPDATE sessions SET created_at = now() - interval '86390 seconds' WHERE id = $1",
        [session.id],
      );
      await run(user, session.id, 'text.stats', { text: 'x' }).expect(201);
      const row = await sessionRow(session.id);
      expect(Date.parse(row.expires_at) - Date.parse(row.created_at)).toBe(86_400_000);
    });

    it.each([
      ['idle TTL', "expires_at = now() - interval '1 second'"],
      ['absolute cap', "created_at = now() - interval '86401 seconds'"],
    ])('expires a session past its %s before the handler runs', async (_what, change) => {
      const session = await newSession(user);
      await db.query(`UPDATE sessions SET ${change} WHERE id = $1`, [session.id]);
      const res = await run(user, session.id, 'text.stats', { text: 'x' });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].code).toBe('BR_SESSION_EXPIRED');
      const row = await sessionRow(session.id);
      expect(row.status).toBe('expired');
      expect(row.closed_at).not.toBeNull();
      expect(
        (await db.query<Json[]>('SELECT 1 FROM tool_requests WHERE session_id = $1', [session.id]))
          .length,
      ).toBe(0);
      const read = await api()
        .get(`/v1/tool-sessions/${session.id}`)
        .set('Authorization', bearer(user))
        .expect(200);
      expect(read.body.data.status).toBe('expired');
    });

    it('sweeps idle sessions in bulk, once, with several instances sweeping at once', async () => {
      const other = await createTestApp({ env: ENV });
      try {
        const me = await newUser();
        const due = await Promise.all([1, 2, 3].map(() => newSession(me)));
        const alive = await newSession(me);
        await db.query(
          "UPDATE sessions SET expires_at = now() - interval '1 minute' WHERE id = ANY($1::uuid[])",
          [idsOf(due)],
        );
        // a reader sees them expired before any sweep
        const before = await api()
          .get('/v1/tool-sessions?status=expired')
          .set('Authorization', bearer(me))
          .expect(200);
        expect(idsOf(before.body.data.items).sort()).toEqual(idsOf(due).sort());
        const counts = await Promise.all([
          t.app.get(SessionSweeper).sweep(),
          other.app.get(SessionSweeper).sweep(),
        ]);
        expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3);
        const rows = await db.query<Json[]>(
          'SELECT id, status, closed_at, expires_at FROM sessions WHERE user_id = $1',
          [me.id],
        );
        for (const row of rows) {
          if (row.id === alive.id) expect(row.status).toBe('active');
          else {
            expect(row.status).toBe('expired');
            expect(row.closed_at).toEqual(row.expires_at);
          }
        }
      } finally {
        await other.close();
      }
    });
  });

  describe('stateless resumption (§5.3)', () => {
    let user: User;
    let casefileId: string;
    beforeAll(async () => {
      user = await newUser();
      casefileId = (await createCasefile(t.app.getHttpServer(), user)).id;
    });

    const bind = (caller: User | string, sessionId: string) =>
      api()
        .post('/v1/auth/session-token')
        .set('Authorization', bearer(caller))
        .send({ session_id: sessionId });
    const runCurrent = (token: string, parameters: Json = { text: 'x' }) =>
      api()
        .post('/v1/tool-sessions/current/requests')
        .set('Authorization', bearer(token))
        .send({ tool: 'text.stats', parameters });

    it('binds the caller’s own session into a token the current route runs in', async () => {
      const session = await newSession(user, { casefile_id: casefileId });
      const bound = await bind(user, session.id).expect(200);
      expect(bound.body.data).toMatchObject({
        token_type: 'Bearer',
        session_id: session.id,
        session_kind: 'tool',
      });
      const res = await runCurrent(bound.body.data.access_token).expect(201);
      expect(res.body.data.session_id).toBe(session.id);
      expect(res.body.meta.session_id).toBe(session.id);
      expect(res.body.meta.session_recreated).toBeUndefined();
      expect(res.headers['x-session-id']).toBe(session.id);
    });

    it('refuses to bind someone else’s session, an unknown one or a closed one', async () => {
      const other = await newUser();
      const theirs = await newSession(other);
      expect((await bind(user, theirs.id)).status).toBe(404);
      expect((await bind(user, '0193a3f0-0000-7000-8000-000000000000')).status).toBe(404);
      const closed = await newSession(user);
      await api().post(`/v1/tool-sessions/${closed.id}/close`).set('Authorization', bearer(user));
      const res = await bind(user, closed.id);
      expect(res.status).toBe(422);
      expect(res.body.errors[0].code).toBe('BR_SESSION_CLOSED');
    });

    it('answers 422 BR_SESSION_CLOSED on the current route without a bound tool session', async () => {
      const plain = await runCurrent(user.access_token);
      expect(plain.status).toBe(422);
      expect(plain.body.errors[0].code).toBe('BR_SESSION_CLOSED');
      // a chat session's token is no tool session's
      const chatId = '0193a3f0-0000-7000-8000-00000000c4a7';
      await db.query(
        "INSERT INTO sessions (id, kind, user_id, ttl_seconds, expires_at) VALUES ($1, 'chat', $2, 600, now() + interval '10 minutes')",
        [chatId, user.id],
      );
      const chatToken = (await bind(user, chatId).expect(200)).body.data.access_token as string;
      const chat = await runCurrent(chatToken);
      expect(chat.status).toBe(422);
      expect(chat.body.errors[0].code).toBe('BR_SESSION_CLOSED');
    });

    it('recreates an expired bound session once, for the same user and casefile', async () => {
      const session = await newSession(user, { casefile_id: casefileId, ttl_seconds: 300 });
      const token = (await bind(user, session.id).expect(200)).body.data.access_token as string;
      await db.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [
        session.id,
      ]);
      const results = await Promise.all([runCurrent(token), runCurrent(token), runCurrent(token)]);
      const ok = results.filter((r) => r.status === 201);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      expect(results.every((r) => [201, 409].includes(r.status))).toBe(true);
      const newId = ok[0].body.meta.session_id as string;
      expect(newId).not.toBe(session.id);
      for (const res of ok) {
        expect(res.body.meta).toMatchObject({ session_id: newId, session_recreated: true });
        expect(res.headers['x-session-id']).toBe(newId);
      }
      const replacement = await sessionRow(newId);
      expect(replacement).toMatchObject({
        user_id: user.id,
        casefile_id: casefileId,
        ttl_seconds: 300,
        status: 'active',
        kind: 'tool',
      });
      expect(await sessionRow(session.id)).toMatchObject({ status: 'expired', replaced_by: newId });
      // later requests on the same token land in the same replacement
      const later = await runCurrent(token).expect(201);
      expect(later.body.meta).toMatchObject({ session_id: newId, session_recreated: true });
      // one replacement however many requests raced (only this test uses a 300 s TTL)
      const made = await db.query<Json[]>(
        'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND ttl_seconds = 300',
        [user.id],
      );
      expect(made[0].n).toBe(2);
    });

    it('refuses a bound token once its login is revoked, and API keys a session token', async () => {
      const me = await newUser();
      const session = await newSession(me);
      const token = (await bind(me, session.id).expect(200)).body.data.access_token as string;
      await runCurrent(token).expect(201);
      await api().post('/v1/auth/logout').set('Authorization', bearer(me)).expect(200);
      const res = await runCurrent(token);
      expect(res.status).toBe(401);
      const other = await newUser();
      const key = await api()
        .post('/v1/auth/api-keys')
        .set('Authorization', bearer(other))
        .send({ name: 'k' })
        .expect(201);
      const own = await newSession(other);
      const byKey = await api()
        .post('/v1/auth/session-token')
        .set('X-API-Key', key.body.data.key as string)
        .send({ session_id: own.id });
      expect(byKey.status).toBe(403);
      expect(byKey.body.errors[0].code).toBe('AUTH_FORBIDDEN');
    });
  });
});
