import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { EmbeddedPostgres } from '../../src/platform/database/embedded-postgres';
import { DataSource } from 'typeorm';
import { withProbe } from '../support/probe';
import { createCasefile } from '../factories/casefiles';
import { bearer, login, registerUser } from '../factories/users';
import { makeTestDir } from '../support/test-database';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * Stops and restarts a real PostgreSQL under a running app: requests must fail fast with 503 while
 * it is gone and work again, with no restart of the app, once it is back.
 */
describe('database outage', () => {
  const dir = makeTestDir('casefile-hub-outage-');
  const postgres = new EmbeddedPostgres({
    dir: join(dir, 'postgres'),
    database: 'outage_test',
    ephemeral: true,
  });
  let t: TestApp;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    await postgres.start();
    t = await createTestApp({
      ...withProbe,
      databaseUrl: postgres.url,
      env: { DB_CONNECT_TIMEOUT_MS: '2000', DB_STATEMENT_TIMEOUT_MS: '1000' },
    });
    http = request(t.app.getHttpServer());
  });
  afterAll(async () => {
    await t.close();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The breaker closes on the heartbeat's first answer (≤ 1 s): poll until the path is 200. */
  const recovered = async (client: ReturnType<typeof request>, path: string, auth = '') => {
    const started = performance.now();
    while (performance.now() - started < 5000) {
      if ((await client.get(path).set('Authorization', auth)).status === 200) {
        return performance.now() - started;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`${path} did not recover in 5 s`);
  };

  const timed = async (path: string) => {
    const started = performance.now();
    const res = await http.get(path);
    return { res, ms: performance.now() - started };
  };

  it('serves normally while the database is up', async () => {
    await http.get('/v1/probe/db').expect(200);
    await http.get('/health').expect(200);
  });

  it('answers 503 within about 2 s while it is down, and recovers when it is back', async () => {
    await postgres.stop();

    const down = await timed('/v1/probe/db');
    expect(down.res.status).toBe(503);
    expect(down.res.body.errors).toEqual([
      { code: 'SYS_DATABASE_UNAVAILABLE', message: 'The database is unavailable; retry shortly' },
    ]);
    expect(down.ms).toBeLessThan(2500);

    const health = await timed('/health');
    expect(health.res.status).toBe(503);
    expect(health.res.body.data.checks.database.status).toBe('error');
    expect(health.ms).toBeLessThan(2500);

    // A write path too: the transaction cannot even begin.
    const write = await http.post('/v1/probe/items').send({ title: 'during outage' });
    expect(write.status).toBe(503);
    expect(write.body.errors[0].code).toBe('SYS_DATABASE_UNAVAILABLE');

    await postgres.start();

    await recovered(http, '/health');
    await http.get('/v1/probe/db').expect(200);
    await http.post('/v1/probe/items').send({ title: 'after outage' }).expect(201);
  });

  /** Every process of this cluster: the postmaster and its backends. */
  const clusterPids = (): string[] =>
    execFileSync('pgrep', ['-f', `postgres -D ${join(dir, 'postgres', 'data')}`], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .flatMap((pid) => [pid, ...childrenOf(pid)]);
  const childrenOf = (pid: string): string[] => {
    try {
      return execFileSync('pgrep', ['-P', pid], { encoding: 'utf8' }).trim().split('\n');
    } catch {
      return [];
    }
  };

  it('never hangs when the server stops answering: 503 in bounded time, then recovers', async () => {
    await http.get('/v1/probe/db').expect(200); // the pool holds live connections
    const pids = clusterPids();
    execFileSync('kill', ['-STOP', ...pids]);
    try {
      // Busy and idle pool connections alike: new ones time out connecting (2 s), ones already
      // open time out reading (statement timeout 1 s + 1 s).
      const results = await Promise.all([
        timed('/v1/probe/db'),
        timed('/v1/probe/db'),
        timed('/health'),
      ]);
      for (const { res, ms } of results) {
        expect(res.status).toBe(503);
        expect(ms).toBeLessThan(3500);
      }
      expect(results[0].res.body.errors[0].code).toBe('SYS_DATABASE_UNAVAILABLE');
    } finally {
      execFileSync('kill', ['-CONT', ...pids]);
    }
    await recovered(http, '/health');
    // Back, with correct answers: a connection that timed out must not hand a stale result to
    // the next query.
    for (let i = 0; i < 5; i++) {
      const res = await http.get('/v1/probe/db').expect(200);
      expect(typeof res.body.data.now).toBe('string');
      const created = await http
        .post('/v1/probe/items')
        .send({ title: `thawed ${i}` })
        .expect(201);
      expect(created.body.data.title).toBe(`thawed ${i}`);
    }
    await http.get('/health').expect(200);
  });

  describe('with the default timeouts (statement 10 s, connect 2 s): the circuit breaker', () => {
    let d: TestApp;
    let dhttp: ReturnType<typeof request>;
    let auth: string;
    let casefileId: string;
    beforeAll(async () => {
      d = await createTestApp({ databaseUrl: postgres.url });
      dhttp = request(d.app.getHttpServer());
      const user = await registerUser(d.app.getHttpServer());
      const tokens = await login(d.app.getHttpServer(), user);
      auth = bearer(tokens);
      casefileId = (await createCasefile(d.app.getHttpServer(), tokens, { title: 'frozen' })).id;
    });
    afterAll(() => d.close());

    const timedOn = async (run: () => request.Test) => {
      const started = performance.now();
      const res = await run();
      return { res, ms: performance.now() - started };
    };
    const get = () => dhttp.get(`/v1/casefiles/${casefileId}`).set('Authorization', auth);
    const create = (title: string) =>
      dhttp.post('/v1/casefiles').set('Authorization', auth).send({ title });
    const casefilesTitled = async (title: string) =>
      Number(
        (
          await d.app
            .get(DataSource)
            .query<{ n: string }[]>('SELECT count(*) AS n FROM casefiles WHERE title = $1', [title])
        )[0].n,
      );

    it('answers 503 within 2 s when PostgreSQL freezes, fails fast while open, closes within 1 s of its return, and commits nothing it answered 503 for', async () => {
      await get().expect(200); // the pool holds live connections; the login state is cached
      await create('before the freeze').expect(201);
      const pids = clusterPids();
      execFileSync('kill', ['-STOP', ...pids]);
      try {
        // requests that wait on the frozen server (pooled connections) and new ones alike
        const first = await Promise.all([
          timedOn(get),
          timedOn(() => create('during the freeze')),
          timedOn(() => dhttp.get('/health')),
        ]);
        for (const { res, ms } of first) {
          expect(res.status).toBe(503);
          expect(ms).toBeLessThan(2000);
        }
        expect(first[0].res.body.errors[0].code).toBe('SYS_DATABASE_UNAVAILABLE');
        expect(first[1].res.body.errors[0].code).toBe('SYS_DATABASE_UNAVAILABLE');
        // open: the next ones wait for nothing
        for (let i = 0; i < 5; i++) {
          const next = await timedOn(i % 2 ? get : () => create('while open'));
          expect(next.res.status).toBe(503);
          expect(next.ms).toBeLessThan(200);
        }
      } finally {
        execFileSync('kill', ['-CONT', ...pids]);
      }
      const recoveredMs = await recovered(dhttp, `/v1/casefiles/${casefileId}`, auth);
      expect(recoveredMs).toBeLessThan(1000);
      await create('after the freeze').expect(201);
      // the create answered 503 was still waiting on the server: when it answered, it rolled back
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await casefilesTitled('during the freeze')).toBe(0);
      expect(await casefilesTitled('while open')).toBe(0);
      expect(await casefilesTitled('after the freeze')).toBe(1);
    });
  });
});
