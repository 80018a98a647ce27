import { uuidv7 } from 'uuidv7';
import { DataSource } from 'typeorm';
import type { Actor } from '../../src/core/hub/actor';
import { SecretBox } from '../../src/core/secrets/secret-box';
import { AccessService } from '../../src/modules/access';
import { CasefilesService } from '../../src/modules/casefiles';
import { SyncJobsRepository } from '../../src/modules/workspace/sync/sync-jobs.repository';
import { SyncRunner } from '../../src/modules/workspace/sync/sync-runner';
import { gmailMessage } from '../fixtures/google';
import { FakeGoogle } from '../support/fake-google';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * The sync runner with the real Google client (against a server that speaks Gmail's protocol),
 * repositories and PostgreSQL — no HTTP, no queue: a job row is made here and run slice by slice,
 * as the queue's worker runs it.
 */
describe('SyncRunner (service level)', () => {
  let t: TestContext;
  let google: FakeGoogle;
  let runner: SyncRunner;
  let db: DataSource;
  let owner: Actor;
  const running = () => new AbortController().signal;

  beforeAll(async () => {
    google = await FakeGoogle.start();
    t = await createTestContext({ env: { GOOGLE_API_BASE_URL: google.baseUrl } });
    runner = t.get(SyncRunner);
    db = t.get(DataSource);
    owner = await t.newActor();
  });
  afterAll(async () => {
    await t.close();
    await google.close();
  });

  /** A queued Gmail job in a new casefile of `owner`'s, created by `creator` (an editor). */
  const newJob = async (creator: Actor = owner, token = google.token) => {
    const casefile = await t.inTransaction(() =>
      t.get(CasefilesService).create(owner, { title: 'Mail' }),
    );
    if (creator !== owner) {
      await t.inTransaction(() =>
        t
          .get(AccessService)
          .grant(owner, casefile.id, { user_id: creator.userId, permission: 'editor' }),
      );
    }
    const job = await t.run(() =>
      t.get(SyncJobsRepository).insert({
        id: uuidv7(),
        casefileId: casefile.id,
        createdBy: creator.userId,
        source: 'gmail',
        params: { max_items: 1000 },
        accessToken: t.get(SecretBox).seal('google-access-tokens', token),
      }),
    );
    return { jobId: job.id, casefileId: casefile.id };
  };
  const jobRow = async (id: string) =>
    (
      await db.query<
        { status: string; attempt: number; fetched: number; created: number; error: unknown }[]
      >('SELECT status, attempt, fetched, created, error FROM sync_jobs WHERE id = $1', [id])
    )[0];
  const storedIn = async (casefileId: string) =>
    (
      await db.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM gmail_messages WHERE casefile_id = $1',
        [casefileId],
      )
    )[0].n;

  it('pulls every page of the mailbox and ends the job succeeded, its token erased', async () => {
    google.messages = Array.from({ length: 150 }, (_, i) =>
      gmailMessage({ id: `svc-${String(i).padStart(4, '0')}` }),
    );
    const { jobId, casefileId } = await newJob();
    expect(await runner.run(jobId, running(), false)).toBe('ended');
    expect(await jobRow(jobId)).toMatchObject({
      status: 'succeeded',
      attempt: 1,
      fetched: 150,
      created: 150,
      error: null,
    });
    expect(await storedIn(casefileId)).toBe(150);
    const [{ token }] = await db.query<{ token: string | null }[]>(
      'SELECT access_token AS token FROM sync_jobs WHERE id = $1',
      [jobId],
    );
    expect(token).toBeNull();
  });

  it('ends a job whose token Google refuses as failed, without retrying', async () => {
    google.messages = [gmailMessage({ id: 'svc-refused' })];
    const { jobId, casefileId } = await newJob(owner, 'ya29.revoked');
    expect(await runner.run(jobId, running(), true)).toBe('ended');
    expect(await jobRow(jobId)).toMatchObject({
      status: 'failed',
      error: expect.objectContaining({ code: 'SYS_UPSTREAM_ERROR' }) as unknown,
    });
    expect(await storedIn(casefileId)).toBe(0);
  });

  it('ends the job, pulling nothing, once its creator is no longer an editor', async () => {
    google.messages = [gmailMessage({ id: 'svc-demoted' })];
    const editor = await t.newActor();
    const { jobId, casefileId } = await newJob(editor);
    await t.inTransaction(() =>
      t
        .get(AccessService)
        .grant(owner, casefileId, { user_id: editor.userId, permission: 'viewer' }),
    );
    const listed = google.seen(/\/messages$/).length;
    expect(await runner.run(jobId, running(), false)).toBe('ended');
    expect(await jobRow(jobId)).toMatchObject({
      status: 'failed',
      error: expect.objectContaining({ code: 'AUTH_FORBIDDEN' }) as unknown,
    });
    expect(google.seen(/\/messages$/).length).toBe(listed);
  });

  it('lets a stopped run hand the rest to the next one, which neither skips nor repeats', async () => {
    google.messages = Array.from({ length: 120 }, (_, i) =>
      gmailMessage({ id: `svc-stop-${String(i).padStart(4, '0')}` }),
    );
    const { jobId, casefileId } = await newJob();
    const stop = new AbortController();
    // the second page waits until released: the run is stopped while it is in flight
    const release = google.hold(/\/messages\/svc-stop-0100$/);
    const first = runner.run(jobId, stop.signal, false);
    const deadline = Date.now() + 10_000;
    while ((await jobRow(jobId)).fetched < 100 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    stop.abort();
    release();
    expect(await first).toBe('continue');
    expect(await jobRow(jobId)).toMatchObject({ status: 'running', fetched: 100 });
    expect(await runner.run(jobId, running(), false)).toBe('ended');
    expect(await jobRow(jobId)).toMatchObject({ status: 'succeeded', attempt: 2, fetched: 120 });
    expect(await storedIn(casefileId)).toBe(120);
  });
});
