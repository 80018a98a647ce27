import request from 'supertest';
import { DataSource } from 'typeorm';
import { createCasefile } from '../factories/casefiles';
import { openSession } from '../factories/sessions';
import { bearer, loggedInUser, login, newUserBody, registerUser } from '../factories/users';
import { FakeGoogle } from '../support/fake-google';
import { withProbe } from '../support/probe';
import { createTestApp, type TestApp } from '../support/test-app';
import { createFreshDatabase } from '../support/test-database';
import { TestToolsModule } from '../support/tools';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The longest log line the service writes (src/core/logging/log-safety.ts). */
const MAX_LOG_LINE_BYTES = 16 * 1024;

/**
 * Issue 21, the secret class: an answer that carries a secret is never stored for replay, and
 * no log line carries a password hash, a Google token or an API key, whatever failed.
 */
describe('Secrets at rest and in logs (issue 21)', () => {
  let t: TestApp;
  let probe: TestApp;
  let google: FakeGoogle;
  let db: DataSource;
  const api = () => request(t.app.getHttpServer());

  let database: Awaited<ReturnType<typeof createFreshDatabase>>;

  beforeAll(async () => {
    google = await FakeGoogle.start();
    // a database of its own: its sync job must be run by this app's workers, against its fake
    database = await createFreshDatabase('casefile_hub_test_secrets');
    t = await createTestApp({
      databaseUrl: database.url,
      env: { GOOGLE_API_BASE_URL: google.baseUrl, TOOL_TIMEOUT_MS: '3000' },
      imports: [TestToolsModule],
    });
    probe = await createTestApp({ ...withProbe, env: { DB_STATEMENT_TIMEOUT_MS: '500' } });
    db = t.app.get(DataSource);
  });
  afterAll(async () => {
    await Promise.all([t.close(), probe.close()]);
    await google.close();
    await database.drop();
  });

  it('never stores a new API key for replay: a retry answers the key as null', async () => {
    const user = await loggedInUser(t.app.getHttpServer());
    const create = () =>
      api()
        .post('/v1/auth/api-keys')
        .set('Authorization', bearer(user))
        .set('Idempotency-Key', 'key-once')
        .send({ name: 'ci' });
    const first = await create().expect(201);
    const key = first.body.data.key as string;
    expect(key).toMatch(/^chk_/);
    const stored = await db.query<Json[]>(
      `SELECT response_body::text AS body FROM idempotency_keys WHERE scope = $1`,
      [`user:${user.id}`],
    );
    expect(stored).toHaveLength(1);
    expect(stored[0].body).not.toContain(key);
    const replay = await create().expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.data).toEqual({ ...first.body.data, key: null });
    // the key itself works: it was made once and shown once
    await api().get('/v1/auth/me').set('X-API-Key', key).expect(200);
  });

  it('writes no password hash, Google token or API key to any log line, whatever failed', async () => {
    const server = t.app.getHttpServer();
    // accounts: a register, failed logins, a duplicate
    const body = newUserBody();
    const user = await registerUser(server, body);
    const tokens = await login(server, user);
    await api().post('/v1/auth/login').send({ email: body.email, password: 'wrong-password-1234' });
    await api().post('/v1/auth/register').send(body).expect(409);
    // API keys: made, used, revoked, used again
    const made = await api()
      .post('/v1/auth/api-keys')
      .set('Authorization', bearer(tokens))
      .send({ name: 'leaky' })
      .expect(201);
    const apiKey = made.body.data.key as string;
    await api().get('/v1/auth/me').set('X-API-Key', apiKey).expect(200);
    await api()
      .delete(`/v1/auth/api-keys/${made.body.data.id}`)
      .set('Authorization', bearer(tokens))
      .expect(204);
    await api().get('/v1/auth/me').set('X-API-Key', apiKey).expect(401);
    // a sync job whose Google token is refused
    const googleToken = 'ya29.secret-google-token-never-logged';
    const casefile = await createCasefile(server, tokens, { title: 'secrets' });
    await api()
      .post(`/v1/casefiles/${casefile.id}/sync-jobs`)
      .set('Authorization', bearer(tokens))
      .send({ source: 'gmail', access_token: googleToken })
      .expect(202);
    // tools that fail, time out, or run out of room
    const session = await openSession(server, tokens, 'tool');
    for (const [tool, parameters, code] of [
      ['test.throw', {}, 'TOOL_FAILED'],
      ['test.spin', { forever: true }, 'TOOL_TIMEOUT'],
      ['test.big', { bytes: 1_000_000 }, 'TOOL_RESULT_TOO_LARGE'],
    ] as const) {
      const ran = await api()
        .post(`/v1/tool-sessions/${session.id}/requests`)
        .set('Authorization', bearer(tokens))
        .send({ tool, parameters })
        .expect(201);
      expect(ran.body.data.error.code).toBe(code);
    }
    // failed statements that carry the secrets as bind parameters, a statement timeout, a crash
    const [{ hash }] = await db.query<Json[]>(
      'SELECT password_hash AS hash FROM users WHERE id = $1',
      [user.id],
    );
    const probeApi = () => request(probe.app.getHttpServer());
    for (const value of [hash, apiKey, googleToken, 'x'.repeat(900_000)]) {
      await probeApi().post('/v1/probe/db-bad-parameter').send({ value }).expect(500);
    }
    await probeApi().get('/v1/probe/db-sleep').query({ ms: 2000 }).expect(503);
    await probeApi().get('/v1/probe/boom').expect(500);
    await waitForJobToFail(casefile.id);

    const lines = [...t.logs.raw, ...probe.logs.raw];
    const everything = lines.join('\n');
    for (const secret of [hash, apiKey, googleToken, body.password]) {
      expect(everything).not.toContain(secret);
    }
    // the failures were logged, by their codes
    expect(everything).toContain('"sqlstate":"22P02"');
    expect(everything).toContain('SYS_UPSTREAM_ERROR');
    // and no line passes the cap (a 900 kB parameter, a 1 MB tool result included)
    const longest = Math.max(...lines.map((line) => Buffer.byteLength(line)));
    expect(longest).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
  });

  async function waitForJobToFail(casefileId: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const [job] = await db.query<Json[]>('SELECT status FROM sync_jobs WHERE casefile_id = $1', [
        casefileId,
      ]);
      if (job?.status === 'failed') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the sync job did not fail');
  }
});
