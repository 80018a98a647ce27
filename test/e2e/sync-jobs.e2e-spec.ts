import request from 'supertest';
import { DataSource } from 'typeorm';
import { createCasefile, grantPermission } from '../factories/casefiles';
import { bearer, loggedInUser, type TokenPair } from '../factories/users';
import { driveFile, gmailMessage } from '../fixtures/google';
import { FakeGoogle } from '../support/fake-google';
import { createTestApp, type TestApp } from '../support/test-app';
import { metricsReader, metricValue } from '../support/metrics';
import { createFreshDatabase } from '../support/test-database';

type User = TokenPair & { id: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const LIST = /^\/gmail\/v1\/users\/me\/messages$/;
const GET_MESSAGE = /^\/gmail\/v1\/users\/me\/messages\/[^/]+$/;

const messages = (count: number, prefix = 'g') =>
  Array.from({ length: count }, (_, i) =>
    gmailMessage({
      id: `${prefix}-${String(i).padStart(4, '0')}`,
      subject: `Shipment ${i}`,
      text: `Container ${i} cleared customs.`,
    }),
  );

/**
 * Sync jobs (API.md §7) end to end: the real worker on pg-boss, the real Google client (undici)
 * against a fake Google API server, on a database of the suite's own (so no other suite's
 * instance takes its jobs, and none of its jobs reach another suite's).
 */
describe('Sync jobs (API.md §7)', () => {
  let t: TestApp;
  let db: DataSource;
  let google: FakeGoogle;
  let drop: () => Promise<void>;
  let owner: User;
  let viewer: User;
  let stranger: User;
  let casefileId: string;
  const api = () => request(t.app.getHttpServer());

  beforeAll(async () => {
    google = await FakeGoogle.start();
    const database = await createFreshDatabase('casefile_hub_sync_jobs_test');
    drop = database.drop;
    t = await createTestApp({
      databaseUrl: database.url,
      env: {
        GOOGLE_API_BASE_URL: google.baseUrl,
        SYNC_JOB_SLICE_SECONDS: '2',
        // a document's text at most 320 KiB: Drive pages of 100 files (32 MiB of text a page)
        DRIVE_TEXT_MAX_BYTES: String(320 * 1024),
      },
    });
    db = t.app.get(DataSource);
    const server = t.app.getHttpServer();
    [owner, viewer, stranger] = await Promise.all(
      Array.from({ length: 3 }, () => loggedInUser(server)),
    );
  });
  // every test starts from an empty casefile of its own (they run in any order: --randomize)
  beforeEach(async () => {
    const server = t.app.getHttpServer();
    casefileId = (await createCasefile(server, owner, { title: 'Freight' })).id;
    await grantPermission(server, owner, casefileId, viewer.id, 'viewer');
  });
  afterAll(async () => {
    await t?.close();
    await google?.close();
    await drop?.();
  });
  beforeEach(() => google.reset());

  const createJob = (body: Json, user: User = owner, casefile = casefileId) =>
    api()
      .post(`/v1/casefiles/${casefile}/sync-jobs`)
      .set('Authorization', bearer(user))
      .send({ access_token: google.token, ...body });
  const getJob = (id: string, user: User = owner) =>
    api().get(`/v1/sync-jobs/${id}`).set('Authorization', bearer(user));

  /** Polls the job until it has ended. */
  async function finished(id: string, timeoutMs = 30_000): Promise<Json> {
    const started = Date.now();
    for (;;) {
      const res = await getJob(id);
      expect(res.status).toBe(200);
      const job = res.body.data as Json;
      if (!['queued', 'running'].includes(job.status as string)) return job;
      if (Date.now() - started > timeoutMs) throw new Error(`job still ${job.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const storedToken = async (id: string): Promise<string | null> => {
    const rows: { access_token: string | null }[] = await db.query(
      'SELECT access_token FROM sync_jobs WHERE id = $1',
      [id],
    );
    return rows[0].access_token;
  };

  it('pulls Gmail page by page, retries a 429 after its Retry-After, and erases the token', async () => {
    google.messages = messages(250);
    google.fail(LIST, 429, 1); // the first list request: Google asks to come back in a second
    const res = await createJob({ source: 'gmail', query: 'label:shipping', max_items: 1000 });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({
      casefile_id: casefileId,
      source: 'gmail',
      status: 'queued',
      progress: { fetched: 0, created: 0, updated: 0, unchanged: 0, removed: 0, skipped: 0 },
      error: null,
      finished_at: null,
    });
    expect(JSON.stringify(res.body)).not.toContain(google.token);
    // sealed at rest, never the token itself
    expect(await storedToken(res.body.data.id)).toMatch(/^v1\./);

    const job = await finished(res.body.data.id);
    expect(job).toMatchObject({
      status: 'succeeded',
      progress: { fetched: 250, created: 250, updated: 0, unchanged: 0, removed: 0, skipped: 0 },
      error: null,
    });
    expect(Date.parse(job.finished_at)).toBeGreaterThanOrEqual(Date.parse(job.created_at));
    expect(await storedToken(job.id)).toBeNull();
    const audit: { details: unknown }[] = await db.query(
      "SELECT details FROM audit_events WHERE operation = 'create_sync_job' AND resource_id = $1",
      [job.id],
    );
    expect(audit).toEqual([
      { details: { source: 'gmail', query: 'label:shipping', max_items: 1000 } },
    ]);
    expect(JSON.stringify(audit)).not.toContain(google.token);

    const lists = google.seen(LIST);
    // the 429, its retry, then the pages after the first (100 + 100 + 50)
    expect(lists.map((r) => r.query.get('pageToken') ?? 'first')).toEqual([
      'first',
      'first',
      expect.any(String),
      expect.any(String),
    ]);
    expect(lists[1].at - lists[0].at).toBeGreaterThanOrEqual(950);
    expect(lists.every((r) => r.query.get('q') === 'label:shipping')).toBe(true);
    const gets = google.seen(GET_MESSAGE);
    expect(gets).toHaveLength(250);
    expect(new Set(gets.map((r) => r.path)).size).toBe(250);
    expect(gets.every((r) => r.query.get('format') === 'full')).toBe(true);
    expect(google.requests.every((r) => r.authorization === `Bearer ${google.token}`)).toBe(true);

    const stored = await api()
      .get(`/v1/casefiles/${casefileId}/gmail-messages?limit=1&include_total=true`)
      .set('Authorization', bearer(viewer));
    expect(stored.body.data.total).toBe(250);
  });

  it('imports through the same upsert: a second sync of the same mailbox changes nothing', async () => {
    google.messages = messages(30, 'again');
    const first = await finished((await createJob({ source: 'gmail' })).body.data.id);
    expect(first.progress).toEqual({
      fetched: 30,
      created: 30,
      updated: 0,
      unchanged: 0,
      removed: 0,
      skipped: 0,
    });
    google.messages[0] = gmailMessage({ id: 'again-0000', subject: 'Shipment 0 (amended)' });
    const second = await finished((await createJob({ source: 'gmail' })).body.data.id);
    expect(second.progress).toEqual({
      fetched: 30,
      created: 0,
      updated: 1,
      unchanged: 29,
      removed: 0,
      skipped: 0,
    });
  });

  it('stops at max_items', async () => {
    google.messages = messages(120, 'cap');
    const job = await finished((await createJob({ source: 'gmail', max_items: 30 })).body.data.id);
    expect(job.progress.fetched).toBe(30);
    expect(google.seen(LIST).map((r) => r.query.get('maxResults'))).toEqual(['30']);
    expect(google.seen(GET_MESSAGE)).toHaveLength(30);
  });

  it('fails cleanly on a 401: no retries, no token in the error, the token erased', async () => {
    google.messages = messages(5, 'denied');
    const res = await createJob({ source: 'gmail', access_token: 'ya29.revoked-token-SECRET' });
    expect(res.status).toBe(202);
    const job = await finished(res.body.data.id);
    expect(job.status).toBe('failed');
    expect(job.error).toEqual({
      code: 'SYS_UPSTREAM_ERROR',
      upstream_status: 401,
      message: expect.stringContaining('refused the access token'),
    });
    expect(JSON.stringify(job)).not.toContain('SECRET');
    expect(google.requests).toHaveLength(1);
    expect(await storedToken(job.id)).toBeNull();
    expect(t.logs.raw.join('\n')).not.toContain('SECRET');
    const [{ count }] = await db.query(
      "SELECT count(*)::int AS count FROM gmail_messages WHERE google_id LIKE 'denied-%'",
    );
    expect(count).toBe(0);
  });

  it('retries a 503 on a message and pulls Drive files page by page with the fields it needs', async () => {
    google.files = Array.from({ length: 150 }, (_, i) => driveFile(`f-${i}`, `Manifest ${i}`));
    google.fail(/^\/drive\/v3\/files$/, 503);
    const job = await finished((await createJob({ source: 'drive' })).body.data.id);
    expect(job).toMatchObject({
      status: 'succeeded',
      progress: { fetched: 150, created: 150, updated: 0, unchanged: 0, removed: 0, skipped: 0 },
    });
    const lists = google.seen(/^\/drive\/v3\/files$/);
    expect(lists).toHaveLength(3); // the 503, its retry, the second page
    expect(lists[0].query.get('fields')).toContain('files(id,name,mimeType');
    expect(lists[2].query.get('pageToken')).toBeTruthy();
  });

  it('pulls every sheet of a spreadsheet, or the ranges asked for', async () => {
    google.spreadsheets.set(
      'sheet-1',
      new Map([
        [
          'Q1 costs',
          [
            ['Item', 'Cost'],
            ['Freight', 1200],
          ],
        ],
        ['Q2', [['Item'], ['Customs']]],
      ]),
    );
    const all = await finished(
      (await createJob({ source: 'sheets', spreadsheet_id: 'sheet-1' })).body.data.id,
    );
    expect(all.progress).toEqual({
      fetched: 2,
      created: 2,
      updated: 0,
      unchanged: 0,
      removed: 0,
      skipped: 0,
    });
    const ranges = await api()
      .get(`/v1/casefiles/${casefileId}/sheets`)
      .set('Authorization', bearer(owner));
    expect(
      (ranges.body.data.items as Json[]).map((r) => [
        r.sheet_title as string,
        r.header as string[],
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['Q1 costs', ['Item', 'Cost']],
        ['Q2', ['Item']],
      ]),
    );
    // a range is kept under the range asked for: the same sheet asked again is the same row,
    // another range of it a row of its own
    const again = await finished(
      (await createJob({ source: 'sheets', spreadsheet_id: 'sheet-1', ranges: ["'Q2'"] })).body.data
        .id,
    );
    expect(again.progress).toMatchObject({ fetched: 1, created: 0, unchanged: 1 });
    const one = await finished(
      (await createJob({ source: 'sheets', spreadsheet_id: 'sheet-1', ranges: ["'Q2'!A1:B9"] }))
        .body.data.id,
    );
    expect(one.progress).toEqual({
      fetched: 1,
      created: 1,
      updated: 0,
      unchanged: 0,
      removed: 0,
      skipped: 0,
    });
    const unknown = await finished(
      (await createJob({ source: 'sheets', spreadsheet_id: 'nope' })).body.data.id,
    );
    expect(unknown).toMatchObject({
      status: 'failed',
      error: { code: 'SYS_UPSTREAM_ERROR', upstream_status: 404 },
    });
  });

  it('refuses bad requests with the contract error, storing nothing', async () => {
    const before = (await db.query('SELECT count(*)::int AS n FROM sync_jobs'))[0].n as number;
    const cases: [Json, string][] = [
      [{ source: 'calendar' }, 'source'],
      [{ source: 'sheets' }, 'spreadsheet_id'],
      [{ source: 'gmail', ranges: ['A1:B2'] }, 'ranges'],
      [{ source: 'drive', spreadsheet_id: 'x' }, 'spreadsheet_id'],
      [{ source: 'sheets', spreadsheet_id: 'x', query: 'q' }, 'query'],
      [{ source: 'gmail', max_items: 0 }, 'max_items'],
      [{ source: 'gmail', access_token: '' }, 'access_token'],
    ];
    for (const [body, field] of cases) {
      const res = await createJob(body);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].code).toBe('VAL_FAILED');
      expect((res.body.errors[0].details.fields as Json[]).map((f) => f.field as string)).toContain(
        field,
      );
    }
    const after = (await db.query('SELECT count(*)::int AS n FROM sync_jobs'))[0].n as number;
    expect(after).toBe(before);
  });

  it('lets editors queue and viewers follow; strangers and unknown ids get 404', async () => {
    google.messages = [];
    const byViewer = await createJob({ source: 'gmail' }, viewer);
    expect(byViewer.status).toBe(403);
    expect(byViewer.body.errors[0].code).toBe('AUTH_FORBIDDEN');
    const byStranger = await createJob({ source: 'gmail' }, stranger);
    expect(byStranger.status).toBe(404);
    expect(byStranger.body.errors[0].code).toBe('NF_CASEFILE');

    const id = (await createJob({ source: 'gmail' })).body.data.id as string;
    expect((await getJob(id, viewer)).status).toBe(200);
    for (const res of [await getJob(id, stranger), await getJob(crypto.randomUUID(), owner)]) {
      expect(res.status).toBe(404);
      expect(res.body.errors[0].code).toBe('NF_SYNC_JOB');
    }
    const anonymous = await api().get(`/v1/sync-jobs/${id}`);
    expect(anonymous.status).toBe(401);
  });

  it("lists the casefile's jobs newest first, with their trigger, by status and source, page by page (viewers; strangers 404)", async () => {
    google.messages = [];
    google.files = [];
    const gmail = (await createJob({ source: 'gmail' }).expect(202)).body.data as Json;
    const drive = (await createJob({ source: 'drive' }).expect(202)).body.data as Json;
    const again = (await createJob({ source: 'gmail' }).expect(202)).body.data as Json;
    await Promise.all([gmail, drive, again].map((job) => finished(job.id as string)));
    const ids = (items: unknown) => (items as { id: string }[]).map((job) => job.id);
    const list = (query: string, user: User = owner) =>
      api().get(`/v1/casefiles/${casefileId}/sync-jobs${query}`).set('Authorization', bearer(user));

    const all = (await list('', viewer).expect(200)).body.data;
    expect(ids(all.items)).toEqual([again.id, drive.id, gmail.id]);
    expect(all.items[0]).toMatchObject({
      trigger: 'one_shot',
      status: 'succeeded',
      source: 'gmail',
    });
    const gmails = (await list('?source=gmail&include_total=true').expect(200)).body.data;
    expect(ids(gmails.items)).toEqual([again.id, gmail.id]);
    expect(gmails.total).toBe(2);
    expect((await list('?status=failed').expect(200)).body.data.items).toEqual([]);

    const first = (await list('?limit=2').expect(200)).body.data;
    expect(ids(first.items)).toEqual([again.id, drive.id]);
    const rest = (await list(`?limit=2&cursor=${first.next_cursor}`).expect(200)).body.data;
    expect(ids(rest.items)).toEqual([gmail.id]);
    expect(rest.has_more).toBe(false);

    const refused = await list('', stranger).expect(404);
    expect(refused.body.errors[0].code).toBe('NF_CASEFILE');
    await list('?source=dropbox').expect(400);
  });

  it('counts ended jobs and stored items in /metrics', async () => {
    const read = metricsReader(
      async () => (await api().get('/metrics').expect(200)).text,
      [
        'sync_runs_total{source="gmail",trigger="one_shot",status="succeeded"}',
        'sync_runs_total{source="gmail",trigger="one_shot",status="failed"}',
        'sync_items_total{source="gmail",change="created"}',
      ],
    );
    const before = await read();
    google.messages = messages(3, 'counted');
    const pulled = await finished((await createJob({ source: 'gmail' })).body.data.id);
    expect(pulled.status).toBe('succeeded');
    const refused = await createJob({ source: 'gmail', access_token: 'ya29.not-the-fake-token' });
    expect((await finished(refused.body.data.id)).status).toBe('failed');
    const after = await read();
    expect(after.map((value, i) => value - before[i])).toEqual([1, 1, 3]);
  });

  /**
   * Issue 21 (API.md §7, §7.1): a job records its creator, re-checks the creator's access before
   * each page, can be cancelled, and sends Google nothing but Google identifiers. Each test has a
   * casefile of its own: owner, a manager, the creator (an editor), another editor and a viewer.
   */
  describe('following access, cancelling, Google identifiers (issue 21)', () => {
    let manager: User;
    let creator: User;
    let otherEditor: User;

    beforeAll(async () => {
      [manager, creator, otherEditor] = await Promise.all(
        Array.from({ length: 3 }, () => loggedInUser(t.app.getHttpServer())),
      );
    });

    async function freshCasefile(): Promise<string> {
      const server = t.app.getHttpServer();
      const id = (await createCasefile(server, owner, { title: 'Issue 21' })).id;
      await grantPermission(server, owner, id, manager.id, 'manager');
      await grantPermission(server, owner, id, creator.id, 'editor');
      await grantPermission(server, owner, id, otherEditor.id, 'editor');
      await grantPermission(server, owner, id, viewer.id, 'viewer');
      return id;
    }

    const cancelJob = (id: string, user: User) =>
      api().post(`/v1/sync-jobs/${id}/cancel`).set('Authorization', bearer(user));

    interface JobRow {
      status: string;
      fetched: number;
      error: { code: string; message: string } | null;
      access_token: string | null;
      finished_at: Date | null;
    }
    const jobRow = async (id: string): Promise<JobRow> =>
      (
        await db.query<JobRow[]>(
          'SELECT status, fetched, error, access_token, finished_at FROM sync_jobs WHERE id = $1',
          [id],
        )
      )[0];

    /** Polls `read` until `done` holds (every 50 ms, at most `timeoutMs`). */
    async function until<T>(
      read: () => Promise<T>,
      done: (value: T) => boolean,
      timeoutMs = 30_000,
    ) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await read();
        if (done(value)) return value;
        if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    /** The job row once the job has ended (read from the table: its casefile may be gone). */
    const ended = (id: string) =>
      until(
        () => jobRow(id),
        (row) => !['queued', 'running'].includes(row.status),
      );
    /** Once no slice of the job is queued or running in pg-boss: nothing more will be pulled. */
    const slicesDone = (id: string) =>
      until(
        async () =>
          (
            await db.query(
              `SELECT count(*)::int AS n FROM pgboss.job
                WHERE data->>'syncJobId' = $1 AND state IN ('created', 'retry', 'active')`,
              [id],
            )
          )[0].n as number,
        (n) => n === 0,
      );
    const storedMessages = async (casefile: string): Promise<number> =>
      (
        await db.query('SELECT count(*)::int AS n FROM gmail_messages WHERE casefile_id = $1', [
          casefile,
        ])
      )[0].n as number;
    const metric = async (series: string): Promise<number> =>
      metricValue((await api().get('/metrics').expect(200)).text, series);

    /**
     * A Gmail job of 250 messages (three pages) by `creator`, its first list request held at the
     * fake Google: `whileFirstPageInFlight` runs while the job is running and its first page is
     * being fetched; then the page is let through.
     */
    async function withFirstPageInFlight(
      casefile: string,
      prefix: string,
      whileFirstPageInFlight: (jobId: string) => Promise<void>,
    ): Promise<string> {
      google.messages = messages(250, prefix);
      const release = google.hold(LIST);
      try {
        const res = await createJob({ source: 'gmail' }, creator, casefile);
        expect(res.status).toBe(202);
        await google.arrived(LIST);
        await whileFirstPageInFlight(res.body.data.id as string);
        return res.body.data.id as string;
      } finally {
        release();
      }
    }

    /**
     * A job still waiting for a worker, written as create_sync_job writes it but with no queue
     * entry, so that no worker takes it while the test looks; it has no creator, as jobs from
     * before the creator was recorded.
     */
    async function queuedJob(casefile: string): Promise<string> {
      const id = crypto.randomUUID();
      await db.query(
        `INSERT INTO sync_jobs (id, casefile_id, source, params, access_token)
         VALUES ($1, $2, 'gmail', '{"max_items": 10}', 'v1.sealed-token-never-opened')`,
        [id, casefile],
      );
      return id;
    }

    it('records who created the job', async () => {
      const casefile = await freshCasefile();
      google.messages = [];
      const res = await createJob({ source: 'gmail' }, creator, casefile);
      expect(res.status).toBe(202);
      expect(res.body.data.created_by).toBe(creator.id);
      const job = await finished(res.body.data.id as string);
      expect(job.created_by).toBe(creator.id);
      const [row] = await db.query<{ created_by: string }[]>(
        'SELECT created_by FROM sync_jobs WHERE id = $1',
        [job.id],
      );
      expect(row.created_by).toBe(creator.id);
    });

    it("fails the job with NF_CASEFILE when its creator's access is revoked mid-job, pulling and storing nothing more", async () => {
      const casefile = await freshCasefile();
      const id = await withFirstPageInFlight(casefile, 'revoked', async () => {
        await api()
          .delete(`/v1/casefiles/${casefile}/permissions/${creator.id}`)
          .set('Authorization', bearer(owner))
          .expect(204);
      });
      const row = await ended(id);
      expect(row.status).toBe('failed');
      expect(row.error).toEqual({ code: 'NF_CASEFILE', message: expect.any(String) });
      expect(row.access_token).toBeNull();
      // the page in flight when access was lost is stored; no later page is asked for or stored
      await slicesDone(id);
      expect(row.fetched).toBe(100);
      expect(google.seen(LIST)).toHaveLength(1);
      expect(google.seen(GET_MESSAGE)).toHaveLength(100);
      expect(await storedMessages(casefile)).toBe(100);
      const seenByOwner = await getJob(id, owner);
      expect(seenByOwner.body.data).toMatchObject({
        status: 'failed',
        error: { code: 'NF_CASEFILE' },
        progress: { fetched: 100, created: 100 },
      });
    });

    it('fails the job with AUTH_FORBIDDEN when its creator is demoted to viewer mid-job', async () => {
      const casefile = await freshCasefile();
      const id = await withFirstPageInFlight(casefile, 'demoted', () =>
        grantPermission(t.app.getHttpServer(), owner, casefile, creator.id, 'viewer'),
      );
      const row = await ended(id);
      expect(row.status).toBe('failed');
      expect(row.error).toEqual({ code: 'AUTH_FORBIDDEN', message: expect.any(String) });
      expect(row.access_token).toBeNull();
      await slicesDone(id);
      expect(row.fetched).toBe(100);
      expect(google.seen(LIST)).toHaveLength(1);
      expect(await storedMessages(casefile)).toBe(100);
    });

    it('fails the job with NF_CASEFILE when its casefile is deleted mid-job', async () => {
      const casefile = await freshCasefile();
      const id = await withFirstPageInFlight(casefile, 'deleted', async () => {
        await api()
          .delete(`/v1/casefiles/${casefile}`)
          .set('Authorization', bearer(owner))
          .expect(204);
      });
      const row = await ended(id);
      expect(row.status).toBe('failed');
      expect(row.error).toEqual({ code: 'NF_CASEFILE', message: expect.any(String) });
      expect(row.access_token).toBeNull();
      await slicesDone(id);
      expect(google.seen(LIST)).toHaveLength(1);
      expect(await storedMessages(casefile)).toBe(100);
    });

    it('cancels a queued job at once: cancelled, finished, its token erased', async () => {
      const casefile = await freshCasefile();
      const id = await queuedJob(casefile);
      const res = await cancelJob(id, owner);
      expect(res.status).toBe(200);
      expect(res.body.meta.operation).toBe('cancel_sync_job');
      expect(res.body.data).toMatchObject({
        id,
        status: 'cancelled',
        created_by: null,
        error: null,
        finished_at: expect.any(String),
      });
      const row = await jobRow(id);
      expect(row.status).toBe('cancelled');
      expect(row.access_token).toBeNull();
      const audit = await db.query<unknown[]>(
        `SELECT user_id, resource_type, casefile_id, status FROM audit_events
          WHERE operation = 'cancel_sync_job' AND resource_id = $1`,
        [id],
      );
      expect(audit).toEqual([
        { user_id: owner.id, resource_type: 'sync_job', casefile_id: casefile, status: 'success' },
      ]);
    });

    it('cancels a running job after the page in flight: that page is stored, no later page is asked for', async () => {
      const casefile = await freshCasefile();
      const cancelledBefore = await metric(
        'sync_runs_total{source="gmail",trigger="one_shot",status="cancelled"}',
      );
      const succeededBefore = await metric(
        'sync_runs_total{source="gmail",trigger="one_shot",status="succeeded"}',
      );
      let answer: Json = {};
      const id = await withFirstPageInFlight(casefile, 'cancelled', async (jobId) => {
        const res = await cancelJob(jobId, creator);
        expect(res.status).toBe(200);
        answer = res.body.data as Json;
        expect(await storedToken(jobId)).toBeNull();
      });
      expect(answer).toMatchObject({ status: 'cancelled', finished_at: expect.any(String) });
      await until(
        () => jobRow(id),
        (row) => row.fetched === 100,
      );
      await slicesDone(id);
      const job = await finished(id);
      expect(job).toMatchObject({
        status: 'cancelled',
        progress: { fetched: 100, created: 100 },
        error: null,
        finished_at: answer.finished_at,
      });
      expect(google.seen(LIST)).toHaveLength(1);
      expect(google.seen(GET_MESSAGE)).toHaveLength(100);
      expect(await storedMessages(casefile)).toBe(100);
      expect(
        await metric('sync_runs_total{source="gmail",trigger="one_shot",status="cancelled"}'),
      ).toBe(cancelledBefore + 1);
      expect(
        await metric('sync_runs_total{source="gmail",trigger="one_shot",status="succeeded"}'),
      ).toBe(succeededBefore);
    });

    it('answers a cancel of a job that has ended as the job is (200, nothing changes)', async () => {
      const casefile = await freshCasefile();
      const queued = await queuedJob(casefile);
      const first = await cancelJob(queued, owner);
      expect(first.status).toBe(200);
      const again = await cancelJob(queued, owner);
      expect(again.status).toBe(200);
      expect(again.body.data).toEqual(first.body.data);

      google.messages = messages(3, 'done');
      const done = await finished(
        (await createJob({ source: 'gmail' }, creator, casefile)).body.data.id,
      );
      expect(done.status).toBe('succeeded');
      const late = await cancelJob(done.id as string, creator);
      expect(late.status).toBe(200);
      expect(late.body.data).toEqual(done);
      expect((await jobRow(done.id as string)).status).toBe('succeeded');
    });

    it('lets the creator or a manager cancel: a viewer or another editor gets 403, a stranger 404', async () => {
      const casefile = await freshCasefile();
      const id = await withFirstPageInFlight(casefile, 'roles', async (jobId) => {
        for (const user of [viewer, otherEditor]) {
          const res = await cancelJob(jobId, user);
          expect(res.status).toBe(403);
          expect(res.body.errors[0].code).toBe('AUTH_FORBIDDEN');
        }
        for (const res of [
          await cancelJob(jobId, stranger),
          await cancelJob(crypto.randomUUID(), owner),
        ]) {
          expect(res.status).toBe(404);
          expect(res.body.errors[0].code).toBe('NF_SYNC_JOB');
        }
        expect((await jobRow(jobId)).status).toBe('running');
        const byManager = await cancelJob(jobId, manager);
        expect(byManager.status).toBe(200);
        expect(byManager.body.data.status).toBe('cancelled');
      });
      await slicesDone(id);
      expect((await jobRow(id)).status).toBe('cancelled');
    });

    it('refuses a spreadsheet_id or a range that is not a Google identifier; nothing reaches Google', async () => {
      const casefile = await freshCasefile();
      const cases: [Json, string][] = [
        [{ spreadsheet_id: '..' }, 'spreadsheet_id'],
        [{ spreadsheet_id: '%2e%2e' }, 'spreadsheet_id'],
        [{ spreadsheet_id: 'sheet-1/values' }, 'spreadsheet_id'],
        [{ spreadsheet_id: 'sheet-1', ranges: ['..'] }, 'ranges.0'],
        [{ spreadsheet_id: 'sheet-1', ranges: ['%2e%2e'] }, 'ranges.0'],
        [{ spreadsheet_id: 'sheet-1', ranges: ['../x'] }, 'ranges.0'],
        [
          { spreadsheet_id: 'sheet-1', ranges: ['Q1!A1:B2', "'Q2'!A:A", '1:2', '../x'] },
          'ranges.3',
        ],
        [{ spreadsheet_id: 'sheet-1', ranges: ['Q1!A1:B2?x'] }, 'ranges.0'],
      ];
      for (const [body, field] of cases) {
        const res = await createJob({ source: 'sheets', ...body }, creator, casefile);
        expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
        expect(res.body.errors[0].code).toBe('VAL_FAILED');
        expect((res.body.errors[0].details.fields as Json[]).map((f) => f.field as string)).toEqual(
          [field],
        );
      }
      const [{ n }] = await db.query(
        'SELECT count(*)::int AS n FROM sync_jobs WHERE casefile_id = $1',
        [casefile],
      );
      expect(n).toBe(0);
      expect(google.requests).toEqual([]);
    });

    it('fails the page when Google lists a message id that is not one, asking Google nothing else', async () => {
      const casefile = await freshCasefile();
      google.messages = [gmailMessage({ id: 'fine-0001' }), gmailMessage({ id: '..' })];
      const job = await finished(
        (await createJob({ source: 'gmail' }, creator, casefile)).body.data.id,
      );
      expect(job).toMatchObject({
        status: 'failed',
        error: { code: 'SYS_UPSTREAM_ERROR', message: expect.stringContaining('message id') },
        progress: { fetched: 0 },
      });
      expect(google.requests.map((r) => r.path)).toEqual(['/gmail/v1/users/me/messages']);
      expect(await storedMessages(casefile)).toBe(0);
    });
  });
});
