import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { AppConfig } from '../../config/app-config';
import { Sql } from '../database/sql';

/** How long an idle worker waits before it looks at its queue again (a `wake` cuts it short). */
const POLLING_MS = 2_000;

/** pg-boss checks options with `'key' in options`: an undefined value is not "left out". */
function definedOnly<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}

/** A job as its handler sees it. */
export interface QueuedJob<T> {
  readonly id: string;
  readonly data: T;
  /** Failed runs so far, and how many the job may have: a handler decides whether to retry. */
  readonly retryCount: number;
  readonly retryLimit: number;
}

/** A queue's policy (pg-boss's own): retries with backoff, expiry, where the given-up jobs go. */
export interface QueuePolicy {
  readonly retryLimit?: number;
  readonly retryDelaySeconds?: number;
  readonly retryBackoff?: boolean;
  /** A running job not completed by then is failed (its worker died) and retried. */
  readonly expireInSeconds?: number;
  /** The queue its jobs go to once they failed every retry. */
  readonly deadLetter?: string;
}

/** Who runs a queue's jobs in this instance. */
export interface QueueWorkers<T> {
  /** Jobs of this queue one instance runs at once. */
  readonly concurrency: number;
  /**
   * Runs one job: resolves and the job is completed; throws and it is failed (then retried by
   * the queue's policy). `stop` fires when the instance shuts down: the handler ends soon, and
   * whatever it leaves to do it sends as a new job.
   */
  run(job: QueuedJob<T>, stop: AbortSignal): Promise<void>;
}

/**
 * The service's job queue: pg-boss on its own PostgreSQL (schema `pgboss`, which pg-boss creates
 * and migrates), so every instance takes work from one queue and the embedded database needs
 * nothing more. pg-boss claims (`fetch`: SKIP LOCKED), retries, expires and dead-letters; the
 * loops that fetch are this class's, one per worker, because pg-boss 10.4's `work()` does not
 * serve a service that must shut down clean and stay up when its database blinks:
 * - its `complete`/`fail` after a handler are not awaited (manager.js, `watch`): a failed
 *   statement there is an unhandled rejection, which ends a Node 24 process;
 * - `stop()` waits only for workers that hold jobs: a fetch in flight claims a job after stop
 *   began, and its handler runs, or the job is failed by `stop()` (a retry spent, the next try
 *   backed off) — and `offWork` leaves a one-second timer behind.
 * Here a worker awaits its job's completion, a job fetched once shutdown began goes back to the
 * queue with its retries kept, and `onModuleDestroy` returns when every worker has ended.
 */
@Injectable()
export class JobQueue implements OnModuleDestroy {
  private readonly logger = new Logger('JobQueue');
  private readonly stopping = new AbortController();
  private readonly wakeUps = new Map<string, AbortController>();
  private readonly workers: Promise<void>[] = [];
  private boss?: Promise<PgBoss>;
  /** How long an idle worker waits before it looks again (a `wake` cuts it short). */
  protected readonly pollingMs: number = POLLING_MS;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly sql: Sql,
  ) {}

  /**
   * Creates queue `name`, or gives the existing one this policy (for the jobs queued from now
   * on: a job keeps the policy it was queued with), and starts this instance's workers for it.
   */
  async work<T extends object>(
    name: string,
    policy: QueuePolicy,
    workers: QueueWorkers<T>,
  ): Promise<void> {
    const boss = await this.started();
    const options = definedOnly({
      name,
      retryLimit: policy.retryLimit,
      retryDelay: policy.retryDelaySeconds,
      retryBackoff: policy.retryBackoff,
      expireInSeconds: policy.expireInSeconds,
      deadLetter: policy.deadLetter,
    });
    // createQueue keeps an existing queue as it is (ON CONFLICT DO NOTHING)
    await boss.createQueue(name, options);
    await boss.updateQueue(name, options);
    this.wakeUps.set(name, new AbortController());
    for (let i = 0; i < workers.concurrency; i++) {
      this.workers.push(this.loop(boss, name, workers));
    }
  }

  /**
   * Queues a job on a queue created by `work` (in this instance or another). In the caller's
   * transaction by default (the change and its job commit together,
   * or neither does): call `wake` after the commit for this instance's idle workers to look.
   */
  async send<T extends object>(
    name: string,
    data: T,
    options: { retryLimit?: number; inTransaction?: boolean } = {},
  ): Promise<void> {
    const { inTransaction = true, retryLimit } = options;
    const db: PgBoss.Db = {
      executeSql: async (text, values) => ({ rows: await this.sql.rows(text, values) }),
    };
    const boss = await this.started();
    const id = await boss.send(
      name,
      data,
      definedOnly({ retryLimit, db: inTransaction ? db : undefined }),
    );
    // pg-boss inserts nothing, and says so only this way, for a queue nobody created
    if (id === null) throw new Error(`job queue ${name} does not exist`);
  }

  /** This instance's idle workers of queue `name` look at once. */
  wake(name: string): void {
    this.wakeUps.get(name)?.abort();
  }

  /** Running handlers are told to stop; returns when every worker has ended, then stops pg-boss. */
  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.workers);
    const boss = await this.boss?.catch(() => undefined);
    await boss?.stop({ graceful: false, close: true });
  }

  private started(): Promise<PgBoss> {
    if (!this.boss && this.stopping.signal.aborted) {
      return Promise.reject(new Error('the job queue has stopped'));
    }
    // a start that failed is tried again by the next caller, not remembered
    this.boss ??= this.start().catch((error: unknown) => {
      this.boss = undefined;
      throw error;
    });
    return this.boss;
  }

  private async start(): Promise<PgBoss> {
    const boss = new PgBoss({
      connectionString: (this.dataSource.options as PostgresConnectionOptions).url,
      schema: 'pgboss',
      max: 2,
      application_name: 'casefile-hub:queue',
      schedule: false,
      maintenanceIntervalSeconds: this.config.queue.maintenanceSeconds,
      // passed on to its pg.Pool: a database that stops answering fails its queries, not hangs them
      ...{
        connectionTimeoutMillis: this.config.database.connectTimeoutMs,
        query_timeout: this.config.database.statementTimeoutMs || undefined,
      },
    });
    boss.on('error', (error) => this.logger.error({ err: error }, 'job queue error'));
    await boss.start();
    return boss;
  }

  /** One worker: takes one job at a time from `name` until shutdown, and completes or fails it. */
  private async loop<T extends object>(
    boss: PgBoss,
    name: string,
    workers: QueueWorkers<T>,
  ): Promise<void> {
    const stop = this.stopping.signal;
    while (!stop.aborted) {
      let job: PgBoss.JobWithMetadata<T> | undefined;
      try {
        [job] = await boss.fetch<T>(name, { batchSize: 1, includeMetadata: true });
        if (job && stop.aborted) {
          await this.putBack(boss, name, job);
        } else if (job) {
          await workers.run(job, stop);
          await boss.complete(name, job.id);
        }
        if (job) continue;
      } catch (error) {
        this.logger.warn({ err: error, queue: name, jobId: job?.id }, 'queued job failed');
        if (job) await boss.fail(name, job.id, { message: String(error) }).catch(() => undefined);
      }
      await this.idle(name);
    }
  }

  /**
   * A job fetched as shutdown began: queued again with its data and the retries it had left,
   * unrun, in one transaction with its completion (both happen, or neither: a database that fails
   * here leaves the job to be failed and retried, never to run twice).
   */
  private async putBack<T extends object>(
    boss: PgBoss,
    name: string,
    job: PgBoss.JobWithMetadata<T>,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const db: PgBoss.Db = {
        executeSql: async (text, values) => ({
          rows: await manager.query<unknown[]>(text, values),
        }),
      };
      const retryLimit = job.retryLimit - job.retryCount;
      if ((await boss.send(name, job.data, { retryLimit, db })) === null) {
        throw new Error(`job queue ${name} does not exist`);
      }
      await boss.complete(name, job.id, {}, { db });
    });
  }

  private async idle(name: string): Promise<void> {
    const wakeUp = this.wakeUps.get(name) ?? new AbortController();
    const signal = AbortSignal.any([this.stopping.signal, wakeUp.signal]);
    await sleep(this.pollingMs, undefined, { signal }).catch(() => undefined);
    if (wakeUp.signal.aborted) this.wakeUps.set(name, new AbortController());
  }
}
