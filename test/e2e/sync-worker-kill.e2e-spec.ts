import { rmSync } from 'node:fs';
import { Client } from 'pg';
import request from 'supertest';
import { createCasefile } from '../factories/casefiles';
import { bearer, login, registerUser } from '../factories/users';
import { gmailMessage } from '../fixtures/google';
import { FakeGoogle } from '../support/fake-google';
import {
  freePort,
  type ServerProcess,
  startServerProcess,
  waitForHealthy,
} from '../support/server-process';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../support/test-app';
import { createFreshDatabase, makeTestDir } from '../support/test-database';

const SLICE_SECONDS = 2;
const MESSAGES = 250;
const id = (i: number) => `kill-${String(i).padStart(4, '0')}`;

/**
 * A sync job whose worker process dies mid-job (API.md §7, issue 12): the instance is SIGKILLed
 * after it stored the first page (100 messages) and while it waits for the second. Another
 * instance on the same database takes the job up once pg-boss sees the slice expired, resumes
 * after the stored page, and finishes: every message imported once, none fetched twice.
 */
describe('a sync job whose worker was killed', () => {
  const dataDir = makeTestDir('casefile-hub-sync-kill-');
  let google: FakeGoogle;
  let database: { url: string; drop: () => Promise<void> };
  let client: Client;
  let doomed: ServerProcess;
  let survivor: TestApp;

  afterAll(async () => {
    if (doomed?.child.exitCode === null) doomed.child.kill('SIGKILL');
    await survivor?.close();
    await client?.end();
    await google?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is resumed by another instance after the last stored page, importing nothing twice', async () => {
    google = await FakeGoogle.start();
    google.messages = Array.from({ length: MESSAGES }, (_, i) =>
      gmailMessage({ id: id(i), subject: `Order ${i}`, text: `Order ${i} shipped.` }),
    );
    // the first message of the second page never comes to the doomed instance
    const release = google.hold(new RegExp(`/messages/${id(100)}$`));
    database = await createFreshDatabase('casefile_hub_sync_kill_test');
    const env = {
      GOOGLE_API_BASE_URL: google.baseUrl,
      SYNC_JOB_SLICE_SECONDS: String(SLICE_SECONDS),
    };
    doomed = startServerProcess({
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      LOG_LEVEL: 'warn',
      JWT_SECRET: TEST_JWT_SECRET,
      ...env,
    });
    await waitForHealthy(doomed);
    const base = `http://127.0.0.1:${doomed.port}`;
    const user = await registerUser(base);
    const tokens = await login(base, user);
    const casefile = await createCasefile(base, tokens, { title: 'Orders' });
    // the job's first slice starts after this: it cannot expire before 3 × slice from here
    const sent = Date.now();
    const created = await request(base)
      .post(`/v1/casefiles/${casefile.id}/sync-jobs`)
      .set('Authorization', bearer(tokens))
      .send({ source: 'gmail', access_token: google.token })
      .expect(202);
    const jobId = created.body.data.id as string;

    client = new Client({ connectionString: database.url });
    await client.connect();
    const job = async () =>
      (
        await client.query<{ status: string; attempt: number; fetched: number; created: number }>(
          'SELECT status, attempt, fetched, created FROM sync_jobs WHERE id = $1',
          [jobId],
        )
      ).rows[0];
    const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`${what}: not in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await waitFor(
      'first page stored and second page asked for',
      async () => (await job()).fetched === 100 && google.seen(/\/messages\/kill-0100$/).length > 0,
      20_000,
    );
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    expect(await job()).toMatchObject({ status: 'running', attempt: 1, fetched: 100 });
    release();

    const killedAt = Date.now();
    survivor = await createTestApp({ databaseUrl: database.url, env });
    await waitFor('job taken over', async () => (await job()).attempt === 2, 40_000);
    const takenOver = Date.now();
    await waitFor('job succeeded', async () => (await job()).status === 'succeeded', 40_000);

    const final = await request(survivor.app.getHttpServer())
      .get(`/v1/sync-jobs/${jobId}`)
      .set('Authorization', bearer(tokens))
      .expect(200);
    expect(final.body.data).toMatchObject({
      status: 'succeeded',
      progress: {
        fetched: MESSAGES,
        created: MESSAGES,
        updated: 0,
        unchanged: 0,
        removed: 0,
        skipped: 0,
      },
      error: null,
    });
    expect((await job()).attempt).toBe(2);
    const stored = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM gmail_messages WHERE casefile_id = $1',
      [casefile.id],
    );
    expect(stored.rows[0].n).toBe(MESSAGES);
    // the first page was listed and fetched once, by the doomed instance only
    const lists = google.seen(/\/messages$/);
    expect(lists.filter((r) => !r.query.has('pageToken'))).toHaveLength(1);
    for (let i = 0; i < 100; i++) {
      expect(google.seen(new RegExp(`/messages/${id(i)}$`))).toHaveLength(1);
    }
    // the survivor took the job over only once the slice had expired (3 × slice after it started,
    // which was after `sent`), and within expiry + maintenance + retry delay (+ start-up) of the kill
    expect(takenOver - sent).toBeGreaterThanOrEqual(3 * SLICE_SECONDS * 1000);
    expect(takenOver - killedAt).toBeLessThan(3 * SLICE_SECONDS * 1000 + 15_000);
  });
});
