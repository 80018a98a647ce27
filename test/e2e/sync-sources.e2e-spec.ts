import request from 'supertest';
import { DataSource } from 'typeorm';
import { SyncScheduler } from '../../src/modules/workspace/sync/sync-scheduler';
import { SyncJobsRepository } from '../../src/modules/workspace/sync/sync-jobs.repository';
import { createCasefile, grantPermission } from '../factories/casefiles';
import { connectGoogle } from '../factories/google';
import { bearer, loggedInUser, type TokenPair } from '../factories/users';
import { driveFile, gmailMessage } from '../fixtures/google';
import { FakeGoogle } from '../support/fake-google';
import { metricValue } from '../support/metrics';
import { openSse } from '../support/sse';
import { createTestApp, type TestApp } from '../support/test-app';
import { createFreshDatabase } from '../support/test-database';

type User = TokenPair & { id: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const LIST = /^\/gmail\/v1\/users\/me\/messages$/;
const GET_MESSAGE = /^\/gmail\/v1\/users\/me\/messages\/[^/]+$/;
const HISTORY = /^\/gmail\/v1\/users\/me\/history$/;
const PROFILE = /^\/gmail\/v1\/users\/me\/profile$/;
const TOKEN = /^\/token$/;
const CHANGES = /^\/drive\/v3\/changes$/;
const FILES = /^\/drive\/v3\/files$/;
const EXPORT = /^\/drive\/v3\/files\/[^/]+\/export$/;
const FILE = /^\/drive\/v3\/files\/[^/]+$/;
const VALUES = /^\/v4\/spreadsheets\/[^/]+\/values\//;

const messages = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) =>
    gmailMessage({
      id: `${prefix}-${String(i).padStart(5, '0')}`,
      subject: `Shipment ${i}`,
      text: `Container ${i} cleared customs.`,
    }),
  );

/**
 * Sync sources (API.md §7.1) end to end: a Google connection made through the real OAuth routes,
 * sources through the real routes, their runs on the real queue and scheduler, the real Google
 * client against a fake that speaks Gmail's history and Google's token endpoint. On a database of
 * the suite's own, so no other suite's instance takes its jobs.
 */
describe('Sync sources (API.md §7.1)', () => {
  let t: TestApp;
  let db: DataSource;
  let google: FakeGoogle;
  let drop: () => Promise<void>;
  let databaseUrl: string;
  let owner: User;
  let viewer: User;
  let stranger: User;
  let editor: User;
  let connectionId: string;
  let casefileId: string;
  const api = () => request(t.app.getHttpServer());
  const env = () => ({
    ...google.oauthEnv(),
    GOOGLE_API_BASE_URL: google.baseUrl,
    SYNC_JOB_SLICE_SECONDS: '5',
  });

  beforeAll(async () => {
    google = await FakeGoogle.start();
    const database = await createFreshDatabase('casefile_hub_sync_sources_test');
    drop = database.drop;
    databaseUrl = database.url;
    t = await createTestApp({ databaseUrl, env: env() });
    db = t.app.get(DataSource);
    const server = t.app.getHttpServer();
    [owner, viewer, stranger, editor] = await Promise.all(
      Array.from({ length: 4 }, () => loggedInUser(server)),
    );
    connectionId = await connectGoogle(server, google, owner);
  });
  beforeEach(async () => {
    const server = t.app.getHttpServer();
    casefileId = (await createCasefile(server, owner, { title: 'Freight' })).id;
    await grantPermission(server, owner, casefileId, viewer.id, 'viewer');
    await grantPermission(server, owner, casefileId, editor.id, 'editor');
    // a test may have rotated Google's token: no test starts with a kept one Google refuses
    await db.query('UPDATE google_connections SET access_token = NULL');
    google.reset();
  });
  afterAll(async () => {
    await t?.close();
    await google?.close();
    await drop?.();
  });

  const createSource = (body: Json, user: User = owner, casefile = casefileId) =>
    api()
      .post(`/v1/casefiles/${casefile}/sync-sources`)
      .set('Authorization', bearer(user))
      .send({ connection_id: connectionId, source: 'gmail', ...body });
  const getSource = (id: string, user: User = owner) =>
    api().get(`/v1/sync-sources/${id}`).set('Authorization', bearer(user));
  const runSource = (id: string, user: User = owner) =>
    api().post(`/v1/sync-sources/${id}/run`).set('Authorization', bearer(user));

  /** Polls the job until it has ended. */
  async function finished(id: string, user: User = owner, timeoutMs = 60_000): Promise<Json> {
    const started = Date.now();
    for (;;) {
      const res = await api().get(`/v1/sync-jobs/${id}`).set('Authorization', bearer(user));
      expect(res.status).toBe(200);
      const job = res.body.data as Json;
      if (!['queued', 'running'].includes(job.status as string)) return job;
      if (Date.now() - started > timeoutMs) throw new Error(`job still ${job.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Resolves once no slice of the job is queued or running in pg-boss: its run has stopped. */
  async function slicesDone(jobId: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [{ n }] = await db.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM pgboss.job
          WHERE data->>'syncJobId' = $1 AND state IN ('created', 'retry', 'active')`,
        [jobId],
      );
      if (n === 0) return;
      if (Date.now() > deadline) throw new Error(`job ${jobId} still has slices`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** A new Gmail source (its first run starts at once), after that run ended. */
  async function syncedSource(body: Json = {}): Promise<Json> {
    const created = await createSource(body).expect(201);
    const first = await finished(created.body.data.last_run.id as string);
    expect(first.status).toBe('succeeded');
    return (await getSource(created.body.data.id as string).expect(200)).body.data as Json;
  }

  /** Runs the source now and waits for the run to end. */
  async function ran(sourceId: string): Promise<Json> {
    const res = await runSource(sourceId).expect(202);
    expect(res.body.data).toMatchObject({ trigger: 'manual', source_id: sourceId });
    return finished(res.body.data.id as string);
  }

  it('starts its first run at once: a full sync that keeps where the mailbox history stood', async () => {
    google.messages = messages(30, 'first');
    const series = 'sync_runs_total{source="gmail",trigger="schedule",status="succeeded"}';
    const before = metricValue((await api().get('/metrics').expect(200)).text, series);
    const res = await createSource({ interval_minutes: 30 }).expect(201);
    const source = res.body.data as Json;
    expect(source).toMatchObject({
      casefile_id: casefileId,
      created_by: owner.id,
      connection_id: connectionId,
      source: 'gmail',
      interval_minutes: 30,
      paused: false,
      pause_reason: null,
      state: {},
      last_run: { trigger: 'schedule', finished_at: null },
    });
    const nextRun = Date.parse(source.next_run_at as string) - Date.now();
    expect(nextRun).toBeGreaterThan(29 * 60_000);
    expect(nextRun).toBeLessThanOrEqual(30 * 60_000);
    expect(JSON.stringify(source)).not.toContain(google.token);

    const job = await finished(source.last_run.id as string);
    expect(job).toMatchObject({
      status: 'succeeded',
      trigger: 'schedule',
      source_id: source.id,
      progress: { fetched: 30, created: 30, updated: 0, unchanged: 0, removed: 0, skipped: 0 },
    });
    const after = (await getSource(source.id as string, viewer).expect(200)).body.data as Json;
    expect(after.state).toEqual({
      history_id: google.gmailHistory.currentId,
      synced_at: expect.any(String),
    });
    expect(after.last_run).toMatchObject({ id: job.id, status: 'succeeded' });
    expect(google.seen(PROFILE)).toHaveLength(1);
    expect(google.seen(GET_MESSAGE)).toHaveLength(30);
    const text = (await api().get('/metrics').expect(200)).text;
    expect(metricValue(text, series)).toBe(before + 1);

    // the run's end is on the casefile's timeline, with what it did
    const timeline = await api()
      .get(`/v1/casefiles/${casefileId}/events`)
      .set('Authorization', bearer(viewer))
      .expect(200);
    const run = (timeline.body.data.items as Json[]).find((e) => e.operation === 'sync_run');
    expect(run).toMatchObject({
      user_id: owner.id,
      resource_type: 'sync_job',
      resource_id: job.id,
      status: 'success',
      details: {
        source: 'gmail',
        trigger: 'schedule',
        source_id: source.id,
        status: 'succeeded',
        created: 30,
        updated: 0,
        unchanged: 0,
        removed: 0,
      },
    });

    const listed = await api()
      .get(`/v1/casefiles/${casefileId}/sync-sources`)
      .set('Authorization', bearer(viewer))
      .expect(200);
    expect((listed.body.data.items as Json[]).map((s) => s.id as string)).toEqual([source.id]);
  });

  it('refuses what it must: a bad interval, a connection not the caller’s, a viewer, a stranger', async () => {
    const strangers = await connectGoogle(t.app.getHttpServer(), google, stranger);
    const bad = await createSource({ interval_minutes: 4 }).expect(400);
    expect(bad.body.errors[0].code).toBe('VAL_FAILED');
    await createSource({ source: 'sheets' }).expect(400);
    await createSource({ spreadsheet_id: 'abc' }).expect(400);
    const notMine = await createSource({ connection_id: strangers }).expect(404);
    expect(notMine.body.errors[0].code).toBe('NF_GOOGLE_CONNECTION');
    const asViewer = await createSource({}, viewer).expect(403);
    expect(asViewer.body.errors[0].code).toBe('AUTH_FORBIDDEN');
    await createSource({}, stranger).expect(404);

    google.messages = [];
    const source = await syncedSource();
    expect((await getSource(source.id as string, stranger).expect(404)).body.errors[0].code).toBe(
      'NF_SYNC_SOURCE',
    );
    await runSource(source.id as string, viewer).expect(403);
    await api()
      .patch(`/v1/sync-sources/${source.id}`)
      .set('Authorization', bearer(viewer))
      .send({ paused: true })
      .expect(403);
    await api()
      .delete(`/v1/sync-sources/${source.id}`)
      .set('Authorization', bearer(stranger))
      .expect(404);
  });

  it('runs incrementally: 10 changes in a mailbox of 10 000 cost one history call and the gets of what changed', async () => {
    google.messages = messages(10_000, 'big');
    google.messages[1] = gmailMessage({ id: 'big-00001', subject: 'Zanzibar manifest' });
    const source = await syncedSource();
    const search = async () =>
      (
        await api()
          .get(`/v1/casefiles/${casefileId}/search?q=Zanzibar`)
          .set('Authorization', bearer(owner))
          .expect(200)
      ).body.data.items as Json[];
    expect(await search()).toHaveLength(1);

    google.reset();
    for (let i = 0; i < 7; i++) {
      google.addMessage(gmailMessage({ id: `new-${i}`, subject: `Arrival ${i}` }));
    }
    google.deleteMessage('big-00001');
    google.deleteMessage('big-00002');
    google.relabel('big-00003', 'IMPORTANT');
    const job = await ran(source.id as string);
    expect(job).toMatchObject({
      status: 'succeeded',
      progress: { fetched: 8, created: 7, updated: 1, unchanged: 0, removed: 2 },
    });
    expect(google.seen(HISTORY)).toHaveLength(1);
    expect(google.seen(GET_MESSAGE)).toHaveLength(8);
    expect(google.seen(LIST)).toHaveLength(0);
    expect(google.seen(PROFILE)).toHaveLength(0);

    // removed at the source: out of search, lists and counts
    expect(await search()).toHaveLength(0);
    const casefile = await api()
      .get(`/v1/casefiles/${casefileId}`)
      .set('Authorization', bearer(owner))
      .expect(200);
    expect(casefile.body.data.counts.gmail_messages).toBe(10_005);
    const listed = await api()
      .get(`/v1/casefiles/${casefileId}/gmail-messages?limit=100&include_total=true`)
      .set('Authorization', bearer(owner))
      .expect(200);
    expect(listed.body.data.total).toBe(10_005);
    const after = (await getSource(source.id as string).expect(200)).body.data as Json;
    expect(after.state.history_id).toBe(google.gmailHistory.currentId);

    // nothing changed since: one history call, nothing fetched
    google.reset();
    const quiet = await ran(source.id as string);
    expect(quiet.progress).toEqual({
      fetched: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      removed: 0,
      skipped: 0,
    });
    expect(google.requests.map((r) => r.path)).toEqual(['/gmail/v1/users/me/history']);

    // back at the source (undeleted): back in the casefile
    google.reset();
    google.addMessage(gmailMessage({ id: 'big-00001', subject: 'Zanzibar manifest' }));
    const back = await ran(source.id as string);
    expect(back.progress).toMatchObject({
      fetched: 1,
      created: 0,
      updated: 1,
      removed: 0,
      skipped: 0,
    });
    expect(await search()).toHaveLength(1);
  }, 240_000);

  it('falls back to a full sync when Gmail no longer has the history it starts from (404)', async () => {
    google.messages = messages(20, 'expiring');
    const source = await syncedSource();
    google.gmailHistory.expire();
    google.reset();
    const job = await ran(source.id as string);
    expect(job).toMatchObject({
      status: 'succeeded',
      progress: { fetched: 20, created: 0, updated: 0, unchanged: 20, removed: 0, skipped: 0 },
    });
    expect(google.seen(HISTORY)).toHaveLength(1);
    expect(google.seen(PROFILE)).toHaveLength(1);
    expect(google.seen(LIST)).toHaveLength(1);
    const after = (await getSource(source.id as string).expect(200)).body.data as Json;
    expect(after.state.history_id).toBe(google.gmailHistory.currentId);
  });

  it('keeps an access token until it nears expiry, and makes a new one when Google answers 401', async () => {
    google.messages = messages(3, 'refresh');
    const source = await syncedSource();
    google.reset();
    await ran(source.id as string);
    expect(google.seen(TOKEN)).toHaveLength(0); // the kept token served

    google.token = `ya29.rotated-${Date.now()}`; // Google no longer takes the kept one
    google.reset();
    google.addMessage(gmailMessage({ id: 'refresh-new', subject: 'After rotation' }));
    const job = await ran(source.id as string);
    expect(job).toMatchObject({ status: 'succeeded', progress: { created: 1 } });
    expect(google.seen(TOKEN)).toHaveLength(1);
    expect(google.seen(HISTORY).map((r) => r.authorization)).toEqual([
      expect.not.stringContaining(google.token),
      `Bearer ${google.token}`,
    ]);
    const stored: { access_token: string }[] = await db.query(
      'SELECT access_token FROM google_connections WHERE id = $1',
      [connectionId],
    );
    expect(stored[0].access_token).not.toContain(google.token); // sealed at rest
  });

  it('a grant Google refuses fails the run, revokes the connection and pauses the source', async () => {
    const user = await loggedInUser(t.app.getHttpServer());
    const connection = await connectGoogle(t.app.getHttpServer(), google, user);
    const casefile = (await createCasefile(t.app.getHttpServer(), user, { title: 'Revoked' })).id;
    google.messages = messages(2, 'revoked');
    const created = await createSource({ connection_id: connection }, user, casefile).expect(201);
    const sourceId = created.body.data.id as string;
    expect((await finished(created.body.data.last_run.id as string, user)).status).toBe(
      'succeeded',
    );

    const grants = [...google.oauth.grants.values()];
    grants[grants.length - 1].revoked = true; // the user revoked the app at Google
    google.token = `ya29.rotated-${Date.now()}`; // and the kept access token no longer works
    const res = await api()
      .post(`/v1/sync-sources/${sourceId}/run`)
      .set('Authorization', bearer(user));
    const job = await finished(res.body.data.id as string, user);
    expect(job).toMatchObject({
      status: 'failed',
      error: { code: 'BR_GOOGLE_CONNECTION_REVOKED' },
    });
    const source = (
      await api().get(`/v1/sync-sources/${sourceId}`).set('Authorization', bearer(user)).expect(200)
    ).body.data as Json;
    expect(source).toMatchObject({
      paused: true,
      pause_reason: { code: 'BR_GOOGLE_CONNECTION_REVOKED' },
      next_run_at: null,
    });
    const connections = await api()
      .get('/v1/google/connections')
      .set('Authorization', bearer(user))
      .expect(200);
    expect(connections.body.data.items[0]).toMatchObject({ id: connection, status: 'revoked' });
    // a new source on it is refused with the reason
    const again = await createSource({ connection_id: connection }, user, casefile).expect(422);
    expect(again.body.errors[0].code).toBe('BR_GOOGLE_CONNECTION_REVOKED');
  });

  it('pauses, resumes, changes its interval and query, and is deleted with its running job', async () => {
    google.messages = messages(2, 'manage');
    const source = await syncedSource();
    const patch = (body: Json) =>
      api()
        .patch(`/v1/sync-sources/${source.id}`)
        .set('Authorization', bearer(owner))
        .send(body)
        .expect(200);
    expect((await patch({ paused: true })).body.data).toMatchObject({
      paused: true,
      next_run_at: null,
    });
    const resumed = (await patch({ paused: false, interval_minutes: 5 })).body.data as Json;
    expect(resumed.paused).toBe(false);
    expect(Date.parse(resumed.next_run_at as string) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    // a new query: the next run is a full sync
    const requeried = (await patch({ query: 'from:ops@example.test' })).body.data as Json;
    expect(requeried).toMatchObject({ query: 'from:ops@example.test', state: {} });

    const release = google.hold(LIST);
    const run = await runSource(source.id as string).expect(202);
    try {
      await google.arrived(LIST);
      // a second "run now" while one runs answers that run
      expect((await runSource(source.id as string).expect(202)).body.data.id).toBe(
        run.body.data.id,
      );
      await api()
        .delete(`/v1/sync-sources/${source.id}`)
        .set('Authorization', bearer(owner))
        .expect(204);
      const job = await finished(run.body.data.id as string);
      expect(job).toMatchObject({ status: 'cancelled', source_id: null });
    } finally {
      release();
    }
    await slicesDone(run.body.data.id as string); // its page in flight stored, the run stopped
    await getSource(source.id as string).expect(404);
  });

  it('two instances on one database start a due source once', async () => {
    const second = await createTestApp({ databaseUrl, env: env() });
    try {
      google.messages = messages(2, 'twice');
      const source = await syncedSource();
      await db.query(
        `UPDATE sync_sources SET next_run_at = now() - interval '1 second' WHERE id = $1`,
        [source.id],
      );
      const started = await Promise.all(
        [t, second, t, second].map((app) => app.app.get(SyncScheduler).sweep()),
      );
      // one run for the interval whoever took it (the instances' own timers sweep too)
      expect(started.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
      const jobs = await api()
        .get(`/v1/casefiles/${casefileId}/sync-jobs`)
        .set('Authorization', bearer(owner))
        .expect(200);
      const items = jobs.body.data.items as Json[];
      expect(items.map((job) => job.trigger as string)).toEqual(['schedule', 'schedule']);
      // followed on the other instance, whichever runs it
      const stream = await openSse(
        second.app.getHttpServer(),
        `/v1/sync-jobs/${items[0].id}/events`,
        {
          headers: { authorization: bearer(owner) },
        },
      );
      expect((await stream.until('done')).at(-1)?.data.status).toBe('succeeded');
      expect((await finished(items[0].id as string)).status).toBe('succeeded');
      const after = (await getSource(source.id as string).expect(200)).body.data as Json;
      expect(Date.parse(after.next_run_at as string) - Date.now()).toBeGreaterThan(59 * 60_000);
      const again = await Promise.all([t, second].map((app) => app.app.get(SyncScheduler).sweep()));
      expect(again).toEqual([0, 0]);
    } finally {
      await second.close();
    }
  });

  it('Drive: the first run lists and exports documents; later runs read changes (new, changed, trashed, removed)', async () => {
    const search = async (q: string) =>
      (
        (
          await api()
            .get(`/v1/casefiles/${casefileId}/search?q=${q}&types=drive`)
            .set('Authorization', bearer(owner))
            .expect(200)
        ).body.data.items as Json[]
      ).map((hit) => hit.id as string);
    google.files = [
      driveFile('doc-1', 'Plan'),
      driveFile('txt-2', 'Notes', { mimeType: 'text/plain' }),
      driveFile('png-3', 'Photo', { mimeType: 'image/png' }),
      driveFile('doc-4', 'Old plan'),
    ];
    google.fileTexts.set('doc-1', 'The quarterly zebra plan');
    google.fileTexts.set('txt-2', 'Plain notes about an okapi');
    // held already, imported without its text: the first run gets the text all the same
    await api()
      .post(`/v1/casefiles/${casefileId}/drive-files`)
      .set('Authorization', bearer(owner))
      .send({ files: [driveFile('doc-1', 'Plan')] })
      .expect(200);
    // a rate limit on one export (Drive answers it as 403): the run is retried, not failed
    google.fail(/^\/drive\/v3\/files\/doc-1\/export$/, 403, undefined, 'userRateLimitExceeded');
    const source = await syncedSource({ source: 'drive' });
    expect(source.last_run.status).toBe('succeeded');
    const first = await finished(source.last_run.id as string);
    expect(first.progress).toEqual({
      fetched: 4,
      created: 3,
      updated: 1,
      unchanged: 0,
      removed: 0,
      skipped: 0,
    });
    expect(google.seen(EXPORT).map((r) => r.path)).toEqual(
      expect.arrayContaining(['/drive/v3/files/doc-1/export', '/drive/v3/files/doc-4/export']),
    );
    // the page was pulled again after the rate limit: its downloads twice, txt-2's the only one
    expect(new Set(google.seen(FILE).map((r) => `${r.path}?alt=${r.query.get('alt')}`))).toEqual(
      new Set(['/drive/v3/files/txt-2?alt=media']),
    );
    expect(google.seen(/^\/drive\/v3\/files\/doc-1\/export$/)).toHaveLength(2);
    expect(source.state.page_token).toMatch(/^p\d+-\d+$/);
    expect(await search('zebra')).toEqual(['doc-1']);
    expect(await search('okapi')).toEqual(['txt-2']);

    google.reset();
    google.putFile(driveFile('doc-5', 'New', { modifiedTime: '2026-12-01T10:00:00.000Z' }));
    google.fileTexts.set('doc-5', 'A giraffe appears');
    google.putFile(driveFile('doc-1', 'Plan', { modifiedTime: '2026-12-02T10:00:00.000Z' }));
    google.fileTexts.set('doc-1', 'The quarterly lion plan');
    google.trashFile('png-3');
    google.removeFile('doc-4');
    const job = await ran(source.id as string);
    expect(job.progress).toEqual({
      fetched: 2,
      created: 1,
      updated: 1,
      unchanged: 0,
      removed: 2,
      skipped: 0,
    });
    expect(google.seen(CHANGES)).toHaveLength(1);
    expect(
      google
        .seen(EXPORT)
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/drive/v3/files/doc-1/export', '/drive/v3/files/doc-5/export']);
    expect(google.seen(FILES)).toHaveLength(0);
    expect(await search('zebra')).toEqual([]);
    expect(await search('lion')).toEqual(['doc-1']);
    expect(await search('giraffe')).toEqual(['doc-5']);
    const files = await api()
      .get(`/v1/casefiles/${casefileId}/drive-files?include_total=true`)
      .set('Authorization', bearer(owner))
      .expect(200);
    expect((files.body.data.items as Json[]).map((f) => f.id as string).sort()).toEqual([
      'doc-1',
      'doc-5',
      'txt-2',
    ]);

    google.reset();
    const quiet = await ran(source.id as string);
    expect(quiet.progress).toMatchObject({ fetched: 0, removed: 0, skipped: 0 });
    expect(google.requests.map((r) => r.path)).toEqual(['/drive/v3/changes']);
    expect(await search('okapi')).toEqual(['txt-2']); // unchanged files keep their text
  });

  it('Sheets: a source reads its ranges again only when the spreadsheet’s modifiedTime moved', async () => {
    google.spreadsheets.set('sheet-src', new Map([['Costs', [['Item'], ['Freight']]]]));
    google.spreadsheetModified.set('sheet-src', '2026-12-01T09:00:00.000Z');
    const source = await syncedSource({ source: 'sheets', spreadsheet_id: 'sheet-src' });
    expect(source.state).toMatchObject({ modified_time: '2026-12-01T09:00:00.000Z' });

    google.reset();
    const still = await ran(source.id as string);
    expect(still.progress).toMatchObject({ fetched: 0, created: 0, updated: 0 });
    expect(google.requests.map((r) => r.path)).toEqual(['/drive/v3/files/sheet-src']);

    google.reset();
    google.spreadsheets.set('sheet-src', new Map([['Costs', [['Item'], ['Freight'], ['Duty']]]]));
    google.spreadsheetModified.set('sheet-src', '2026-12-02T09:00:00.000Z');
    const moved = await ran(source.id as string);
    expect(moved.progress).toMatchObject({ fetched: 1, created: 0, updated: 1 });
    expect(google.seen(VALUES)).toHaveLength(1);
    const after = (await getSource(source.id as string).expect(200)).body.data as Json;
    expect(after.state.modified_time).toBe('2026-12-02T09:00:00.000Z');
  });

  it('a source with a query reads the history for what it holds, then its matches for what it lacks; trash leaves', async () => {
    google.messages = messages(5, 'query');
    const source = await syncedSource({ query: 'label:freight' });
    google.reset();
    google.addMessage(gmailMessage({ id: 'query-new', subject: 'Matches later' }));
    google.relabel('query-00001', 'TRASH');
    google.relabel('query-00002', 'IMPORTANT');
    const job = await ran(source.id as string);
    expect(job).toMatchObject({
      status: 'succeeded',
      progress: { fetched: 2, created: 1, updated: 1, removed: 1, skipped: 0 },
    });
    expect(google.seen(HISTORY)).toHaveLength(1);
    expect(google.seen(LIST)).toHaveLength(1); // the query's matches: one page
    expect(google.seen(LIST)[0].query.get('q')).toBe('label:freight');
    // the two held ones the history named, and the one match the casefile lacked
    expect(
      google
        .seen(GET_MESSAGE)
        .map((r) => r.path.split('/').pop())
        .sort(),
    ).toEqual(['query-00001', 'query-00002', 'query-new']);
  });

  it('skips a message the import refuses or that is too large, stores the rest, and moves on', async () => {
    google.messages = messages(2, 'hostile');
    const source = await syncedSource();
    google.addMessage({ ...gmailMessage({ id: 'hostile-bad' }), payload: { parts: 'not parts' } });
    google.addMessage(gmailMessage({ id: 'hostile-good', subject: 'Fine' }));
    // over 2 MiB in format=full: not read past the limit, skipped
    google.addMessage(gmailMessage({ id: 'hostile-huge', text: 'x'.repeat(3 * 1024 * 1024) }));
    const job = await ran(source.id as string);
    expect(job).toMatchObject({
      status: 'succeeded',
      progress: { fetched: 2, created: 1, skipped: 2 },
    });
    const after = (await getSource(source.id as string).expect(200)).body.data as Json;
    expect(after.state.history_id).toBe(google.gmailHistory.currentId);
  });

  it('refuses a source its connection was not granted the scope of (422)', async () => {
    const user = await loggedInUser(t.app.getHttpServer());
    const casefile = (await createCasefile(t.app.getHttpServer(), user, { title: 'Scopes' })).id;
    google.oauth.grantedScopes = [
      'openid',
      'email',
      'https://www.googleapis.com/auth/gmail.readonly',
    ];
    let connection: string;
    try {
      connection = await connectGoogle(t.app.getHttpServer(), google, user);
    } finally {
      google.oauth.grantedScopes = undefined;
    }
    const drive = await createSource(
      { connection_id: connection, source: 'drive' },
      user,
      casefile,
    ).expect(422);
    expect(drive.body.errors[0].code).toBe('BR_GOOGLE_SCOPE_MISSING');
    await createSource({ connection_id: connection }, user, casefile).expect(201);
  });

  it('only its creator changes what a source takes; other editors pause it, run it, see it', async () => {
    google.messages = [];
    const source = await syncedSource();
    const patch = (user: User, body: Json) =>
      api().patch(`/v1/sync-sources/${source.id}`).set('Authorization', bearer(user)).send(body);
    const refused = await patch(editor, { query: 'in:anywhere' }).expect(403);
    expect(refused.body.errors[0].code).toBe('AUTH_FORBIDDEN');
    expect((await patch(editor, { paused: true }).expect(200)).body.data.paused).toBe(true);
    // a paused source still runs when asked; its run is any editor's to cancel
    const release = google.hold(HISTORY);
    let runId = '';
    try {
      const run = await runSource(source.id as string, editor).expect(202);
      await google.arrived(HISTORY);
      const cancelled = await api()
        .post(`/v1/sync-jobs/${run.body.data.id}/cancel`)
        .set('Authorization', bearer(editor))
        .expect(200);
      expect(cancelled.body.data.status).toBe('cancelled');
      runId = run.body.data.id as string;
    } finally {
      release();
    }
    await slicesDone(runId);
    const after = (await getSource(source.id as string).expect(200)).body.data as Json;
    expect(after.query).toBeUndefined();
  });

  it('a deleted connection fails the next run and pauses its sources', async () => {
    const user = await loggedInUser(t.app.getHttpServer());
    const connection = await connectGoogle(t.app.getHttpServer(), google, user);
    const casefile = (await createCasefile(t.app.getHttpServer(), user, { title: 'Gone' })).id;
    google.messages = [];
    const created = await createSource({ connection_id: connection }, user, casefile).expect(201);
    await finished(created.body.data.last_run.id as string, user);
    await api()
      .delete(`/v1/google/connections/${connection}`)
      .set('Authorization', bearer(user))
      .expect(204);
    const run = await api()
      .post(`/v1/sync-sources/${created.body.data.id}/run`)
      .set('Authorization', bearer(user))
      .expect(202);
    const job = await finished(run.body.data.id as string, user);
    expect(job).toMatchObject({
      status: 'failed',
      error: { code: 'BR_GOOGLE_CONNECTION_REVOKED' },
    });
    const source = await api()
      .get(`/v1/sync-sources/${created.body.data.id}`)
      .set('Authorization', bearer(user))
      .expect(200);
    expect(source.body.data).toMatchObject({
      paused: true,
      pause_reason: { code: 'BR_GOOGLE_CONNECTION_REVOKED' },
    });
  });

  it('a run can be followed as Server-Sent Events, and the stream resumed after Last-Event-ID', async () => {
    google.messages = messages(3, 'follow');
    const source = await syncedSource();
    google.addMessage(gmailMessage({ id: 'follow-new', subject: 'Followed' }));
    const path = (jobId: string) => `/v1/sync-jobs/${jobId}/events`;
    const open = (jobId: string, headers: Record<string, string> = {}, user: User = viewer) =>
      openSse(t.app.getHttpServer(), path(jobId), {
        headers: { authorization: bearer(user), ...headers },
      });
    const release = google.hold(HISTORY);
    let jobId: string;
    try {
      jobId = (await runSource(source.id as string).expect(202)).body.data.id as string;
      await google.arrived(HISTORY);
      const stream = await open(jobId);
      expect(stream.status).toBe(200);
      const first = await stream.next();
      if (!first) throw new Error('the stream ended before its first event');
      expect(first).toMatchObject({ event: 'progress', data: { id: jobId, status: 'running' } });
      release();
      const rest = await stream.until('done');
      expect(rest.at(-1)).toMatchObject({
        event: 'done',
        data: { status: 'succeeded', progress: { created: 1 } },
      });
      const ids = [first, ...rest].map((event) => Number(event.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);

      // resumed after an early event: the job as it stands now, once, and the end
      const resumed = await open(jobId, { 'last-event-id': first.id ?? '' });
      const again = await resumed.until('done');
      expect(again.map((event) => [event.event, event.id])).toEqual([['done', rest.at(-1)!.id]]);
      // resumed after the last event: nothing more
      const after = await open(jobId, { 'last-event-id': rest.at(-1)!.id! });
      expect(after.status).toBe(200);
      expect(after.headers.get('content-type')).toContain('text/event-stream');
      expect(await after.until('done')).toEqual([]);
      // an id the job never sent
      const ahead = await open(jobId, { 'last-event-id': String(Number(rest.at(-1)!.id) + 1) });
      expect(ahead.status).toBe(400);
    } finally {
      release();
    }
    const stranger_ = await open(jobId, {}, stranger);
    expect(stranger_.status).toBe(404);
    expect(stranger_.body?.errors[0].code).toBe('NF_SYNC_JOB');
    const bad = await open(jobId, { 'last-event-id': 'not-an-id' });
    expect(bad.status).toBe(400);
  });

  it('Drive: a folder source takes the changed files its query matches, moved-in ones too; a token Drive no longer honours lists again', async () => {
    google.files = [
      driveFile('fold-in-1', 'In', { parents: ['folder-a'], mimeType: 'image/png' }),
      driveFile('fold-out-1', 'Out', { parents: ['folder-b'], mimeType: 'image/png' }),
    ];
    const source = await syncedSource({ source: 'drive', query: "'folder-a' in parents" });
    const first = await finished(source.last_run.id as string);
    expect(first.progress).toMatchObject({ fetched: 1, created: 1 });

    google.reset();
    google.putFile(
      driveFile('fold-in-2', 'New in A', { parents: ['folder-a'], mimeType: 'image/png' }),
    );
    google.putFile(
      driveFile('fold-out-2', 'New in B', { parents: ['folder-b'], mimeType: 'image/png' }),
    );
    // moved into the folder: its modifiedTime does not move
    google.putFile(
      driveFile('fold-out-1', 'Out', { parents: ['folder-a'], mimeType: 'image/png' }),
    );
    const job = await ran(source.id as string);
    expect(job.progress).toMatchObject({ fetched: 2, created: 2, removed: 0 });
    const files = await api()
      .get(`/v1/casefiles/${casefileId}/drive-files`)
      .set('Authorization', bearer(owner))
      .expect(200);
    expect((files.body.data.items as Json[]).map((f) => f.id as string).sort()).toEqual([
      'fold-in-1',
      'fold-in-2',
      'fold-out-1',
    ]);

    // moved out of the folder: it leaves the casefile
    google.putFile(driveFile('fold-in-1', 'In', { parents: ['folder-b'], mimeType: 'image/png' }));
    const out = await ran(source.id as string);
    expect(out.progress).toMatchObject({ fetched: 0, removed: 1 });

    google.driveChanges.expire();
    google.reset();
    const again = await ran(source.id as string);
    expect(again).toMatchObject({ status: 'succeeded', progress: { fetched: 2, unchanged: 2 } });
    expect(google.seen(CHANGES)).toHaveLength(1); // the 404
    const after = (await getSource(source.id as string).expect(200)).body.data as Json;
    expect(after.state.page_token).toMatch(/^p\d+-\d+$/);
  });

  it('a query source never fetches again what the import refused: 60 refused matches end the run', async () => {
    google.messages = messages(1, 'refused');
    const source = await syncedSource({ query: 'to:me' });
    for (let i = 0; i < 60; i++) {
      google.addMessage({ ...gmailMessage({ id: `refused-bad-${i}` }), payload: { parts: 'x' } });
    }
    google.reset();
    const job = await ran(source.id as string);
    expect(job).toMatchObject({ status: 'succeeded', progress: { created: 0, skipped: 60 } });
    expect(google.seen(GET_MESSAGE)).toHaveLength(60); // each once
    expect(google.seen(LIST)).toHaveLength(2); // the page, then the same page for the rest
  });

  it('a stream whose client left stops reading its job at once', async () => {
    google.messages = messages(1, 'leave');
    const source = await syncedSource();
    google.addMessage(gmailMessage({ id: 'leave-new' }));
    const reads = jest.spyOn(t.app.get(SyncJobsRepository), 'findFor');
    const release = google.hold(HISTORY);
    let jobId = '';
    try {
      jobId = (await runSource(source.id as string).expect(202)).body.data.id as string;
      await google.arrived(HISTORY);
      const stream = await openSse(t.app.getHttpServer(), `/v1/sync-jobs/${jobId}/events`, {
        headers: { authorization: bearer(owner) },
      });
      expect((await stream.next())?.event).toBe('progress');
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const whileOpen = reads.mock.calls.length;
      expect(whileOpen).toBeGreaterThanOrEqual(2); // it polls while its client is there
      stream.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const atClose = reads.mock.calls.length;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(reads.mock.calls.length).toBe(atClose); // and not once after
    } finally {
      reads.mockRestore();
      release();
    }
    await slicesDone(jobId);
  });
});
