import { TransactionHost } from '@nestjs-cls/transactional';
import { getToken } from '@willsoto/nestjs-prometheus';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/config/app-config';
import {
  TOOL_EXECUTION_DURATION,
  TOOL_EXECUTIONS_TOTAL,
} from '../../src/modules/tool-sessions/tool.metrics';
import { ToolRunner } from '../../src/modules/tool-sessions/execution/tool-runner';
import { openSession } from '../factories/sessions';
import { bearer, loggedInUser, type TokenPair } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';
import { TestToolsModule } from '../support/tools';

type User = TokenPair & { id: string };

/** Waits for a condition of the app's state (never a fixed pause). */
async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Issue 21, the tool classes: memory (one run's allocation ends only its own worker process),
 * CPU and queue (fair shares of the workers, 429 past them), state (nothing one evaluation does
 * reaches the next) and worker failures (a process that cannot start or dies fails one run).
 */
describe('Hostile tool runs (issue 21)', () => {
  const run = (t: TestApp, caller: User, sessionId: string, tool: string, parameters: Json) =>
    request(t.app.getHttpServer())
      .post(`/v1/tool-sessions/${sessionId}/requests`)
      .set('Authorization', bearer(caller))
      .send({ tool, parameters });

  const newUser = (t: TestApp): Promise<User> => loggedInUser(t.app.getHttpServer());
  const newSession = async (t: TestApp, owner: User) =>
    (await openSession(t.app.getHttpServer(), owner, 'tool')).id as string;

  describe('memory and state', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        env: { TOOL_WORKER_MEMORY_MB: '96', TOOL_TIMEOUT_MS: '20000' },
        imports: [TestToolsModule],
      });
      await t.app.get(ToolRunner).warmedUp;
    });
    afterAll(() => t.close());

    it('refuses sum(1:1e9) before it allocates: a failed run, and the service answers on', async () => {
      const user = await newUser(t);
      const session = await newSession(t, user);
      const res = await run(t, user, session, 'math.evaluate', { expression: 'sum(1:1e9)' });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({
        status: 'failed',
        error: { code: 'TOOL_FAILED', message: expect.stringContaining('1,000,000,000 elements') },
      });
      for (const expression of ['zeros(1e5, 1e5)', 'x = [1]; x[1e9] = 1', 'setPowerset(1:40)']) {
        const refused = await run(t, user, session, 'math.evaluate', { expression });
        expect(refused.body.data.error).toMatchObject({ code: 'TOOL_FAILED' });
      }
      await request(t.app.getHttpServer()).get('/health/live').expect(200);
      const next = await run(t, user, session, 'math.evaluate', { expression: 'sum(1:1000)' });
      expect(next.body.data).toMatchObject({ status: 'succeeded', result: { value: 500500 } });
    });

    it('ends a run that exhausts its worker memory as SYS_TOOL_WORKER_FAILED; only that run fails', async () => {
      const user = await newUser(t);
      const other = await newUser(t);
      const [session, otherSession] = await Promise.all([
        newSession(t, user),
        newSession(t, other),
      ]);
      const [hog, bystander] = await Promise.all([
        run(t, user, session, 'test.allocate', {}),
        run(t, other, otherSession, 'text.stats', { text: 'still here' }),
      ]);
      expect(hog.status).toBe(201);
      expect(hog.body.data).toMatchObject({
        status: 'failed',
        error: { code: 'SYS_TOOL_WORKER_FAILED', message: expect.stringContaining('memory') },
      });
      expect(bystander.body.data).toMatchObject({ status: 'succeeded' });
      await request(t.app.getHttpServer()).get('/health/live').expect(200);
      // the dead process was replaced: the next runs have a worker each
      const again = await Promise.all(
        [user, other].map(async (caller) =>
          run(t, caller, await newSession(t, caller), 'text.stats', { text: 'a b' }),
        ),
      );
      for (const res of again) expect(res.body.data.status).toBe('succeeded');
      const line = await t.logs.waitFor((l) => l.msg === 'tool worker process died');
      expect(String(line.stderr)).toMatch(/heap/i);
    });

    it('keeps the configuration frozen: config() is unreachable, another user still gets numbers', async () => {
      const attacker = await newUser(t);
      const victim = await newUser(t);
      const [attackerSession, victimSession] = await Promise.all([
        newSession(t, attacker),
        newSession(t, victim),
      ]);
      // a few attempts, whichever worker process takes each
      for (let i = 0; i < 4; i++) {
        const res = await run(t, attacker, attackerSession, 'math.evaluate', {
          expression: 'config({number: "BigNumber", precision: 14})',
        });
        expect(res.body.data).toMatchObject({
          status: 'failed',
          error: { code: 'TOOL_FAILED', message: 'config is not available in expressions' },
        });
      }
      for (let i = 0; i < 4; i++) {
        const res = await run(t, victim, victimSession, 'math.evaluate', { expression: '1/3' });
        expect(res.body.data.result).toEqual({ value: 1 / 3 });
      }
    });
  });

  describe('what tools and models hand back', () => {
    let t: TestApp;
    let db: DataSource;
    beforeAll(async () => {
      t = await createTestApp({ imports: [TestToolsModule] });
      db = t.app.get(DataSource);
      await t.app.get(ToolRunner).warmedUp;
    });
    afterAll(() => t.close());

    it('records a result holding a NUL as a failed run, never a 500', async () => {
      const user = await newUser(t);
      const session = await newSession(t, user);
      // the body's text is a backslash-u escape, not a NUL: the edge lets it in, mathjs reads it
      for (const expression of ['"\\u0000"', '"a\\ud800b"']) {
        const res = await request(t.app.getHttpServer())
          .post(`/v1/tool-sessions/${session}/requests`)
          .set('Authorization', bearer(user))
          .set('Content-Type', 'application/json')
          .send(
            `{"tool":"math.evaluate","parameters":{"expression":${JSON.stringify(expression)}}}`,
          );
        expect(res.status).toBe(201);
        expect(res.body.data).toMatchObject({
          status: 'failed',
          error: { code: 'TOOL_FAILED', message: expect.stringContaining('cannot be stored') },
        });
      }
    });

    it("refuses a model's tool call whose arguments hold a NUL to the model, never a 500", async () => {
      const user = await newUser(t);
      const chat = (await openSession(t.app.getHttpServer(), user, 'chat')).id as string;
      const res = await request(t.app.getHttpServer())
        .post(`/v1/chat/sessions/${chat}/messages`)
        .set('Authorization', bearer(user))
        .send({ content: '/tool text.stats {"text": "a\\u0000b"}' });
      expect(res.status).toBe(201);
      const tool = (res.body.data.messages as Json[]).find((m) => m.role === 'tool') as Json;
      expect(JSON.parse(tool.content as string)).toMatchObject({
        status: 'failed',
        error: { code: 'VAL_TOOL_PARAMETERS' },
      });
    });

    it("records a tool's failed statement as the tool's failure: the request still answers 201", async () => {
      const user = await newUser(t);
      const session = await newSession(t, user);
      const res = await run(t, user, session, 'test.sql_error', {});
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ status: 'failed', error: { code: 'TOOL_FAILED' } });
      const [row] = await db.query<Json[]>(
        'SELECT count(*)::int AS n FROM tool_requests WHERE session_id = $1',
        [session],
      );
      expect(row.n).toBe(1);
    });

    it('replays a retry on the current route after the bound session expired, never runs it twice', async () => {
      const user = await newUser(t);
      const session = await newSession(t, user);
      const bound = await request(t.app.getHttpServer())
        .post('/v1/auth/session-token')
        .set('Authorization', bearer(user))
        .send({ session_id: session })
        .expect(200);
      const token = bound.body.data.access_token as string;
      const send = () =>
        request(t.app.getHttpServer())
          .post('/v1/tool-sessions/current/requests')
          .set('Authorization', `Bearer ${token}`)
          .set('Idempotency-Key', 'k-current')
          .send({ tool: 'text.stats', parameters: { text: 'once' } });
      const first = await send().expect(201);
      await db.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [
        session,
      ]);
      const retry = await send().expect(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body.data.id).toBe(first.body.data.id);
      const [row] = await db.query<Json[]>(
        `SELECT count(*)::int AS n FROM tool_requests r JOIN sessions s ON s.id = r.session_id
          WHERE s.user_id = $1`,
        [user.id],
      );
      expect(row.n).toBe(1);
    });
  });

  describe('fair shares and the queue', () => {
    let t: TestApp;
    let db: DataSource;
    beforeAll(async () => {
      t = await createTestApp({
        env: {
          TOOL_WORKERS: '4',
          TOOL_USER_CONCURRENCY: '1',
          TOOL_USER_QUEUE: '1',
          TOOL_QUEUE_SIZE: '2',
          TOOL_TIMEOUT_MS: '3000',
        },
        imports: [TestToolsModule],
      });
      db = t.app.get(DataSource);
      await t.app.get(ToolRunner).warmedUp;
    });
    afterAll(() => t.close());

    it('leaves a fourth user a worker while three others keep theirs busy: text.stats answers at once', async () => {
      const heavy = await Promise.all([newUser(t), newUser(t), newUser(t)]);
      const sessions = await Promise.all(heavy.map((user) => newSession(t, user)));
      const spinning = heavy.map((user, i) =>
        run(t, user, sessions[i], 'test.spin', { ms: 2500 }).then((res) => res),
      );
      await until(() => t.app.get(ToolRunner).workerLoad.running === 3); // the three are running
      const bystander = await newUser(t);
      const session = await newSession(t, bystander);
      const started = performance.now();
      const res = await run(t, bystander, session, 'text.stats', { text: 'quick' });
      const took = performance.now() - started;
      expect(res.body.data.status).toBe('succeeded');
      expect(took).toBeLessThan(1000);
      for (const done of await Promise.all(spinning))
        expect(done.body.data.status).toBe('succeeded');
    });

    it("refuses a user's runs past their own line with 429 TOOL_CAPACITY and Retry-After, recording nothing", async () => {
      const user = await newUser(t);
      const sessions = await Promise.all([1, 2, 3].map(() => newSession(t, user)));
      const answers = await Promise.all(
        sessions.map((session) => run(t, user, session, 'test.spin', { ms: 800 })),
      );
      const statuses = answers.map((res) => res.status).sort();
      expect(statuses).toEqual([201, 201, 429]); // one runs, one waits its turn, one is refused
      const refused = answers.find((res) => res.status === 429) as request.Response;
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.body.errors[0]).toMatchObject({
        code: 'TOOL_CAPACITY',
        details: { reason: 'user_queue' },
      });
      const recorded = await db.query<Json[]>(
        'SELECT count(*)::int AS n FROM tool_requests WHERE session_id = ANY($1::uuid[])',
        [sessions],
      );
      expect(recorded[0].n).toBe(2);
    });

    it("keeps event-loop tools within the user's share too (they hold database connections)", async () => {
      const user = await newUser(t);
      const sessions = await Promise.all([1, 2, 3].map(() => newSession(t, user)));
      const answers = await Promise.all(
        sessions.map((session) => run(t, user, session, 'test.wait', { ms: 800 })),
      );
      expect(answers.map((res) => res.status).sort()).toEqual([201, 201, 429]);
      const refused = answers.find((res) => res.status === 429) as request.Response;
      expect(refused.body.errors[0]).toMatchObject({
        code: 'TOOL_CAPACITY',
        details: { reason: 'user_queue' },
      });
    });

    it('refuses runs once the whole queue is full', async () => {
      const users = await Promise.all(Array.from({ length: 7 }, () => newUser(t)));
      const sessions = await Promise.all(users.map((user) => newSession(t, user)));
      // four run, two wait (the queue's size), the seventh is refused
      const answers = await Promise.all(
        users.map((user, i) => run(t, user, sessions[i], 'test.spin', { ms: 1000 })),
      );
      const refused = answers.filter((res) => res.status === 429);
      expect(refused).toHaveLength(1);
      expect(refused[0].body.errors[0]).toMatchObject({
        code: 'TOOL_CAPACITY',
        details: { reason: 'queue' },
      });
      expect(answers.filter((res) => res.status === 201)).toHaveLength(6);
    });
  });

  describe('a run that waits too long', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        env: { TOOL_WORKERS: '1', TOOL_QUEUE_SIZE: '2', TOOL_TIMEOUT_MS: '2000' },
        imports: [TestToolsModule],
      });
      await t.app.get(ToolRunner).warmedUp;
    });
    afterAll(() => t.close());

    it('is refused 429 TOOL_CAPACITY after a whole timeout in line, never TOOL_TIMEOUT', async () => {
      const [a, b, c] = await Promise.all([newUser(t), newUser(t), newUser(t)]);
      const [sa, sb, sc] = await Promise.all([
        newSession(t, a),
        newSession(t, b),
        newSession(t, c),
      ]);
      const runner = t.app.get(ToolRunner);
      // a holds the one worker for a timeout, then b for another; c waits behind both
      const ranA = run(t, a, sa, 'test.spin', { forever: true }).then((res) => res);
      await until(() => runner.workerLoad.running === 1);
      const ranB = run(t, b, sb, 'test.spin', { forever: true }).then((res) => res);
      await until(() => runner.workerLoad.waiting === 1);
      const waitedC = await run(t, c, sc, 'text.stats', { text: 'x' });
      expect((await ranA).body.data.error.code).toBe('TOOL_TIMEOUT');
      expect((await ranB).body.data.error.code).toBe('TOOL_TIMEOUT');
      expect(waitedC.status).toBe(429);
      expect(waitedC.headers['retry-after']).toBe('1');
      expect(waitedC.body.errors[0]).toMatchObject({
        code: 'TOOL_CAPACITY',
        details: { reason: 'wait' },
      });
    });
  });

  describe('worker failures', () => {
    /** A runner whose worker processes cannot start while `broken` (their file is missing). */
    class BreakableRunner extends ToolRunner {
      broken = false;
      protected override workerScript(): string {
        return this.broken ? '/nonexistent/tool-process.js' : super.workerScript();
      }
    }

    it('fails a run whose worker cannot start with SYS_TOOL_WORKER_FAILED, lives on, and replaces it', async () => {
      const t = await createTestApp({
        // one worker: each run below meets the broken replacement
        env: { TOOL_TIMEOUT_MS: '2000', TOOL_WORKERS: '1' },
        imports: [TestToolsModule],
        overrides: [
          {
            token: ToolRunner,
            inject: [
              AppConfig,
              getToken(TOOL_EXECUTIONS_TOTAL),
              getToken(TOOL_EXECUTION_DURATION),
              TransactionHost,
            ],
            factory: (...deps: never[]) =>
              new BreakableRunner(...(deps as unknown as ConstructorParameters<typeof ToolRunner>)),
          },
        ],
      });
      try {
        const runner = t.app.get<ToolRunner, BreakableRunner>(ToolRunner);
        await runner.warmedUp;
        const user = await newUser(t);
        const session = await newSession(t, user);
        runner.broken = true;
        // a timeout kills a worker; its replacement cannot start
        const killed = await run(t, user, session, 'test.spin', { forever: true });
        expect(killed.body.data.error.code).toBe('TOOL_TIMEOUT');
        const failures = [];
        for (let i = 0; i < 3; i++) {
          failures.push((await run(t, user, session, 'text.stats', { text: 'x' })).body.data);
        }
        for (const data of failures) {
          expect(data).toMatchObject({
            status: 'failed',
            error: { code: 'SYS_TOOL_WORKER_FAILED' },
          });
        }
        await request(t.app.getHttpServer()).get('/health/live').expect(200);
        runner.broken = false;
        // the broken processes still listed fail their one run each, then good ones serve
        const healed = [];
        for (let i = 0; i < 5; i++) {
          healed.push((await run(t, user, session, 'text.stats', { text: 'x' })).body.data.status);
        }
        expect(healed.slice(-2)).toEqual(['succeeded', 'succeeded']);
      } finally {
        await t.close();
      }
    });

    it('is quiet when the service stops before its workers are up', async () => {
      const t = await createTestApp({ env: { TOOL_WORKERS: '2' } });
      await t.close();
      const loud = t.logs.lines.filter(
        (line) => (line.level ?? 0) >= 40 && /tool/i.test(`${line.msg} ${String(line.context)}`),
      );
      expect(loud).toEqual([]);
    });
  });
});
