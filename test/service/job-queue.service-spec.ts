import { setTimeout as sleep } from 'node:timers/promises';
import type PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { uuidv7 } from 'uuidv7';
import { AppConfig } from '../../src/config/app-config';
import { Sql } from '../../src/platform/database/sql';
import { JobQueue, type QueuedJob } from '../../src/platform/queue/job-queue';
import { createTestContext, type TestContext } from '../support/test-context';

interface Data {
  n: number;
}

/**
 * The job queue on the real PostgreSQL: each test builds a queue instance of its own (as another
 * instance of the service would be) on queues of its own, and shuts it down itself.
 */
describe('JobQueue (service level)', () => {
  let t: TestContext;
  let queue: JobQueue;
  let name: string;

  beforeAll(async () => (t = await createTestContext()));
  afterAll(() => t.close());
  beforeEach(() => {
    queue = new JobQueue(t.get(DataSource), t.get(AppConfig), t.get(Sql));
    name = `test-${uuidv7()}`;
  });
  afterEach(() => queue.onModuleDestroy());

  /** The stored jobs of queue `queueName`, oldest first. */
  const jobs = (queueName = name) =>
    t
      .get(DataSource)
      .query<{ state: string; data: Data; retry_limit: number; retry_count: number }[]>(
        'SELECT state, data, retry_limit, retry_count FROM pgboss.job WHERE name = $1 ORDER BY created_on, id',
        [queueName],
      );

  const until = async (done: () => boolean | Promise<boolean>, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error('timed out waiting');
      await sleep(20);
    }
  };

  it('refuses a job for a queue nobody created, rather than dropping it', async () => {
    await expect(queue.send(name, { n: 0 }, { inTransaction: false })).rejects.toThrow(
      `job queue ${name} does not exist`,
    );
  });

  /** The pg-boss instance under `queue`, to put a fault into one of its calls. */
  const bossOf = (q: JobQueue) => (q as unknown as { boss: Promise<PgBoss> }).boss;

  it('wake() sends an idle worker to its queue at once, not at its next poll', async () => {
    /** A queue whose idle workers would look again only after a minute. */
    class SlowPolling extends JobQueue {
      protected override readonly pollingMs = 60_000;
    }
    queue = new SlowPolling(t.get(DataSource), t.get(AppConfig), t.get(Sql));
    const ran: number[] = [];
    await queue.work<Data>(
      name,
      {},
      {
        concurrency: 1,
        run: (job) => Promise.resolve(void ran.push(job.data.n)),
      },
    );
    await sleep(200); // its first look found nothing: it is idle now
    await queue.send(name, { n: 1 }, { inTransaction: false });
    const woken = Date.now();
    queue.wake(name);
    await until(() => ran.length === 1, 5_000);
    expect(Date.now() - woken).toBeLessThan(5_000);
  });

  it('runs each job once, on as many workers as asked, and completes it', async () => {
    const seen: number[] = [];
    let running = 0;
    let mostAtOnce = 0;
    await queue.work<Data>(
      name,
      {},
      {
        concurrency: 2,
        run: async (job) => {
          mostAtOnce = Math.max(mostAtOnce, ++running);
          await sleep(50);
          seen.push(job.data.n);
          running--;
        },
      },
    );
    for (let n = 0; n < 6; n++) await queue.send(name, { n }, { inTransaction: false });
    queue.wake(name);

    await until(() => seen.length === 6);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(mostAtOnce).toBe(2);
    await until(async () => (await jobs()).every((job) => job.state === 'completed'));
  });

  it('retries a job whose handler throws, by the policy, then hands it to the dead letter queue', async () => {
    const deadLetter = `${name}-dead`;
    const given: QueuedJob<Data>[] = [];
    const tries: number[] = [];
    await queue.work<Data>(
      deadLetter,
      {},
      { concurrency: 1, run: (job) => Promise.resolve(void given.push(job)) },
    );
    await queue.work<Data>(
      name,
      { retryLimit: 2, retryDelaySeconds: 0, deadLetter },
      {
        concurrency: 1,
        run: (job) => {
          tries.push(job.retryCount);
          return Promise.reject(new Error('broken'));
        },
      },
    );
    await queue.send(name, { n: 7 }, { inTransaction: false });
    queue.wake(name);

    // three tries, each failure followed by a two-second wait, then the dead letter queue's turn
    await until(() => given.length === 1, 30_000);
    expect(tries).toEqual([0, 1, 2]);
    expect(given[0].data).toEqual({ n: 7 });
    expect((await jobs()).map((job) => job.state)).toEqual(['failed']);
    const failures = t.logs.lines.filter((line) => line.msg === 'queued job failed');
    expect(failures.filter((line) => line.queue === name)).toHaveLength(3);
  });

  it('a job in the caller transaction is queued only when that transaction commits', async () => {
    await queue.work<Data>(name, {}, { concurrency: 0, run: () => Promise.resolve() });
    await expect(
      t.inTransaction(async () => {
        await queue.send(name, { n: 1 });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await t.inTransaction(() => queue.send(name, { n: 2 }));
    expect((await jobs()).map((job) => job.data)).toEqual([{ n: 2 }]);
  });

  it('shutting down tells a running handler to stop and returns once it has ended and its job is completed', async () => {
    let stopSeenAt = 0;
    let endedAt = 0;
    await queue.work<Data>(
      name,
      {},
      {
        concurrency: 1,
        run: async (_job, stop) => {
          await new Promise((resolve) => stop.addEventListener('abort', resolve));
          stopSeenAt = Date.now();
          await sleep(300); // the page in flight
          endedAt = Date.now();
        },
      },
    );
    await queue.send(name, { n: 1 }, { inTransaction: false });
    queue.wake(name);
    await until(async () => (await jobs())[0]?.state === 'active');

    await queue.onModuleDestroy();
    const returnedAt = Date.now();
    expect(stopSeenAt).toBeGreaterThan(0);
    expect(endedAt - stopSeenAt).toBeGreaterThanOrEqual(290);
    expect(returnedAt).toBeGreaterThanOrEqual(endedAt);
    expect((await jobs()).map((job) => job.state)).toEqual(['completed']);
  });

  it('a job fetched as shutdown begins is put back unrun, with the retries it had left', async () => {
    const ran: number[] = [];
    await queue.work<Data>(
      name,
      { retryLimit: 3, retryDelaySeconds: 0 },
      {
        concurrency: 1,
        run: (job) => {
          ran.push(job.retryCount);
          return Promise.reject(new Error('transient')); // the first try fails; the retry is fetched below
        },
      },
    );
    const boss = await bossOf(queue);
    const fetch = boss.fetch.bind(boss);
    let stopped: Promise<void> | undefined;
    boss.fetch = (async (...args: Parameters<PgBoss['fetch']>) => {
      const fetched = await fetch(...args);
      // the retry has been claimed when shutdown begins: its fetch was in flight
      if (ran.length === 1 && fetched.length > 0) stopped = queue.onModuleDestroy();
      return fetched;
    }) as PgBoss['fetch'];
    await queue.send(name, { n: 3 }, { inTransaction: false });
    queue.wake(name);

    await until(() => stopped !== undefined);
    await stopped;
    expect(ran).toEqual([0]);
    const [first, again] = await jobs();
    expect(first).toMatchObject({ state: 'completed', retry_count: 1, retry_limit: 3 });
    expect(again).toMatchObject({
      state: 'created',
      data: { n: 3 },
      retry_limit: 2,
      retry_count: 0,
    });
  });

  it('a completion that fails is logged and the job retried, not lost', async () => {
    const ran: number[] = [];
    await queue.work<Data>(
      name,
      { retryLimit: 1, retryDelaySeconds: 0 },
      {
        concurrency: 1,
        run: (job) => Promise.resolve(void ran.push(job.retryCount)),
      },
    );
    const boss = await bossOf(queue);
    const complete = boss.complete.bind(boss);
    let failOnce = true;
    boss.complete = ((...args: Parameters<PgBoss['complete']>) => {
      if (!failOnce) return complete(...args);
      failOnce = false;
      return Promise.reject(new Error('the database went away'));
    }) as PgBoss['complete'];
    await queue.send(name, { n: 4 }, { inTransaction: false });
    queue.wake(name);

    await until(() => ran.length === 2);
    expect(ran).toEqual([0, 1]);
    await until(async () => (await jobs())[0]?.state === 'completed');
    expect(
      t.logs.lines.some((line) => line.msg === 'queued job failed' && line.queue === name),
    ).toBe(true);
  });
});
