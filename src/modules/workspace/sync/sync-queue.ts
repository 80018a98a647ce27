import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config';
import { JobQueue, type QueuedJob } from '../../../platform/queue/job-queue';
import { SyncRunner } from './sync-runner';

const QUEUE = 'workspace-sync';
/** Slices that failed every retry (their workers kept dying) land here, to end their job. */
const GIVEN_UP = 'workspace-sync-given-up';
const RETRY_LIMIT = 3;
/** Slices one instance runs at a time. */
const WORKERS = 2;

interface SliceData {
  syncJobId: string;
}

/**
 * Sync jobs on the job queue. A sync job is a chain of slices, each a queued job that expires
 * after three slice lengths: a slice whose worker died is retried (with backoff) by whichever
 * instance is there, and resumes after the last page it stored; a slice that failed every retry
 * is dead-lettered, and its sync job ends as failed.
 */
@Injectable()
export class SyncQueue implements OnApplicationBootstrap {
  constructor(
    private readonly queue: JobQueue,
    private readonly config: AppConfig,
    private readonly runner: SyncRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const slice = this.config.sync.sliceSeconds;
    await this.queue.work<SliceData>(
      GIVEN_UP,
      {},
      {
        concurrency: 1,
        run: (job) => this.runner.giveUp(job.data.syncJobId, RETRY_LIMIT + 1),
      },
    );
    await this.queue.work<SliceData>(
      QUEUE,
      {
        retryLimit: RETRY_LIMIT,
        retryDelaySeconds: slice,
        retryBackoff: true,
        expireInSeconds: 3 * slice,
        deadLetter: GIVEN_UP,
      },
      { concurrency: WORKERS, run: (job, stop) => this.runSlice(job, stop) },
    );
  }

  /**
   * Queues a new sync job's first slice in the caller's transaction (the job row and its queue
   * entry commit together, or neither does).
   */
  enqueue(syncJobId: string): Promise<void> {
    return this.queue.send(QUEUE, { syncJobId } satisfies SliceData);
  }

  /** Idle workers of this instance look at once (after the enqueueing transaction committed). */
  wake(): void {
    this.queue.wake(QUEUE);
  }

  /** Runs a slice; when it stopped early (its time was up, or shutdown), queues the next one. */
  private async runSlice(job: QueuedJob<SliceData>, stop: AbortSignal): Promise<void> {
    const mayRetry = job.retryCount < job.retryLimit;
    const outcome = await this.runner.run(job.data.syncJobId, stop, mayRetry);
    if (outcome === 'continue') await this.queue.send(QUEUE, job.data, { inTransaction: false });
  }
}
