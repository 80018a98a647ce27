import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { AppConfig } from '../../../config/app-config';
import { Sql } from '../../../platform/database/sql';
import { SyncRunner } from './sync-runner';

const QUEUE = 'workspace-sync';
/** Slices that failed every retry (their workers kept dying) land here, to end their job. */
const GIVEN_UP = 'workspace-sync-given-up';
const RETRY_LIMIT = 3;
/** Slices one instance runs at a time. */
const WORKERS = 2;
const POLLING_MS = 2_000;

interface SliceData {
  syncJobId: string;
}

/**
 * The sync jobs' queue: pg-boss on the service's own PostgreSQL (schema `pgboss`, which pg-boss
 * creates and migrates), so every instance takes work from one queue and the embedded database
 * needs nothing more. A sync job is a chain of slices, each a pg-boss job that expires after three
 * slice lengths: a slice whose worker died is retried (with backoff) by whichever instance is
 * there, and resumes after the last page it stored. pg-boss claims (`fetch`: SKIP LOCKED),
 * retries, expires and dead-letters; the loops that fetch are ours, so that shutting down waits
 * for them to end (pg-boss's own `work()` loops outlive `stop()` by up to a second).
 */
@Injectable()
export class SyncQueue implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SyncQueue');
  private readonly stopping = new AbortController();
  private wakeUp = new AbortController();
  private loops: Promise<void>[] = [];
  private boss?: PgBoss;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly sql: Sql,
    private readonly runner: SyncRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const slice = this.config.sync.sliceSeconds;
    const boss = new PgBoss({
      connectionString: (this.dataSource.options as PostgresConnectionOptions).url,
      schema: 'pgboss',
      max: 2,
      application_name: 'casefile-hub:queue',
      schedule: false,
      maintenanceIntervalSeconds: Math.min(slice, 60),
      // passed on to its pg.Pool: a database that stops answering fails its queries, not hangs them
      ...{
        connectionTimeoutMillis: this.config.database.connectTimeoutMs,
        query_timeout: this.config.database.statementTimeoutMs || undefined,
      },
    });
    boss.on('error', (error) => this.logger.error({ err: error }, 'job queue error'));
    await boss.start();
    await boss.createQueue(GIVEN_UP);
    await boss.createQueue(QUEUE, {
      name: QUEUE,
      retryLimit: RETRY_LIMIT,
      retryDelay: slice,
      retryBackoff: true,
      expireInSeconds: 3 * slice,
      deadLetter: GIVEN_UP,
    });
    this.boss = boss;
    this.loops = [
      ...Array.from({ length: WORKERS }, () => this.loop(QUEUE, (job) => this.runSlice(job))),
      this.loop(GIVEN_UP, (job) => this.runner.giveUp(job.data.syncJobId, RETRY_LIMIT + 1)),
    ];
  }

  /**
   * Queues a new sync job's first slice in the caller's transaction (the job row and its queue
   * entry commit together, or neither does).
   */
  async enqueue(syncJobId: string): Promise<void> {
    await this.started().send(QUEUE, { syncJobId } satisfies SliceData, {
      db: { executeSql: async (text, values) => ({ rows: await this.sql.rows(text, values) }) },
    });
  }

  /** Idle loops of this instance look at once (after the enqueueing transaction committed). */
  wake(): void {
    this.wakeUp.abort();
  }

  /**
   * Running slices stop after the page in flight and queue their continuation; the loops end,
   * then pg-boss stops.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.loops);
    await this.boss?.stop({ graceful: false, close: true });
  }

  /** Takes one job at a time from `queue` until shutdown; completes it, or fails it for a retry. */
  private async loop(
    queue: string,
    handle: (job: PgBoss.JobWithMetadata<SliceData>) => Promise<void>,
  ): Promise<void> {
    const boss = this.started();
    while (!this.stopping.signal.aborted) {
      let job: PgBoss.JobWithMetadata<SliceData> | undefined;
      try {
        [job] = await boss.fetch<SliceData>(queue, { batchSize: 1, includeMetadata: true });
        if (job) {
          await handle(job);
          await boss.complete(queue, job.id);
          continue;
        }
      } catch (error) {
        this.logger.warn({ err: error, queue, jobId: job?.id }, 'queued job failed');
        if (job) await boss.fail(queue, job.id, { message: String(error) }).catch(() => undefined);
      }
      await this.idle();
    }
  }

  private async idle(): Promise<void> {
    const signal = AbortSignal.any([this.stopping.signal, this.wakeUp.signal]);
    await sleep(POLLING_MS, undefined, { signal }).catch(() => undefined);
    if (this.wakeUp.signal.aborted) this.wakeUp = new AbortController();
  }

  private async runSlice(job: PgBoss.JobWithMetadata<SliceData>): Promise<void> {
    const mayRetry = job.retryCount < job.retryLimit;
    const outcome = await this.runner.run(job.data.syncJobId, this.stopping.signal, mayRetry);
    if (outcome === 'continue') await this.started().send(QUEUE, job.data);
  }

  private started(): PgBoss {
    if (!this.boss) throw new Error('the sync queue has not started');
    return this.boss;
  }
}
