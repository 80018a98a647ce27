import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { AppConfig } from '../../../config/app-config';
import { DomainError } from '../../../platform/errors/domain-error';
import { BackgroundWork } from '../../../core/hub/background';
import { SYNC_ITEMS_TOTAL, SYNC_RUNS_TOTAL } from './sync.metrics';
import { SecretBox } from '../../../core/secrets/secret-box';
import { GoogleApiError } from './google-api.client';
import { UnsafePathSegmentError } from './google-ids';
import { GooglePull, type PulledPage, type PullState } from './google-pull';
import {
  type ClaimedSyncJob,
  type EndedSyncJob,
  type SyncFailure,
  type SyncJobStanding,
  SyncJobsRepository,
} from './sync-jobs.repository';
import { SyncSourcesRepository } from './sync-sources.repository';
import { includesLevel } from '../../access';
import { AuditService } from '../../audit';
import { ERROR_CODES, type ErrorCode } from '../../../platform/errors/error-codes';
import { GoogleConnectionRevokedError, GoogleConnectionsService } from '../../google';

/**
 * Failures a source's user must act on — its connection revoked, its creator gone from the
 * casefile, Google refusing access to what it names (401/403 after a fresh token, a scope not
 * granted, an API turned off) — so its next runs would fail alike: it is paused.
 */
const pauses = (failure: SyncFailure): boolean =>
  ['BR_GOOGLE_CONNECTION_REVOKED', 'NF_CASEFILE', 'AUTH_FORBIDDEN', 'VAL_FAILED'].includes(
    failure.code,
  ) ||
  failure.upstream_status === 401 ||
  failure.upstream_status === 403;

/** A job whose token cannot be had: it ends failed with `failure`. */
class NoToken extends Error {
  constructor(readonly failure: SyncFailure) {
    super(failure.message);
  }
}

/** Another run claimed the job: this one stops and leaves no trace. */
class Superseded extends Error {}

/** A failure the queue may retry; the job keeps its progress and resumes after its last page. */
export class RetryableSyncError extends Error {}

/** How a slice ended: the job ended (or is someone else's now), or it goes on in another slice. */
export type SliceOutcome = 'ended' | 'continue';

function failureOf(error: unknown): { failure: SyncFailure; retryable: boolean } {
  if (error instanceof GoogleApiError) {
    const code = error.timedOut ? 'SYS_UPSTREAM_TIMEOUT' : 'SYS_UPSTREAM_ERROR';
    const status = error.status === undefined ? {} : { upstream_status: error.status };
    return { failure: { code, message: error.message, ...status }, retryable: error.retryable };
  }
  if (error instanceof DomainError) {
    // Google sent an item the import refuses (it names the field): trying again changes nothing.
    return { failure: { code: error.code, message: error.message }, retryable: false };
  }
  if (error instanceof UnsafePathSegmentError) {
    // a spreadsheet id or range from before they were validated at creation
    return { failure: { code: 'VAL_FAILED', message: error.message }, retryable: false };
  }
  return {
    failure: { code: 'SYS_INTERNAL', message: 'The sync stopped on an internal error' },
    retryable: true,
  };
}

/**
 * Why the job may not pull another page for its creator (API.md §7.1), or undefined while it may:
 * the casefile must be live and the creator still an editor there. A job from before creators
 * were recorded has only its casefile checked.
 */
function lostAccess(standing: SyncJobStanding): SyncFailure | undefined {
  if (!standing.casefileLive) {
    return { code: 'NF_CASEFILE', message: 'The casefile was deleted' };
  }
  if (standing.connectionActive === false) {
    const { code, message } = new GoogleConnectionRevokedError();
    return { code, message };
  }
  if (standing.createdBy === null) return undefined;
  if (standing.creatorLevel === null) {
    return {
      code: 'NF_CASEFILE',
      message: "The job's creator no longer has access to the casefile",
    };
  }
  if (!includesLevel(standing.creatorLevel, 'editor')) {
    return {
      code: 'AUTH_FORBIDDEN',
      message: "The job's creator is no longer an editor of the casefile",
    };
  }
  return undefined;
}

/**
 * Runs sync jobs (API.md §7) one slice at a time: claims the job (a new fencing attempt), then
 * pulls page after page from Google and stores each page together with the job's progress and
 * resume point in one transaction, so a run that dies anywhere leaves the job exactly after its
 * last stored page and the next run neither skips nor imports anything twice.
 */
@Injectable()
export class SyncRunner {
  private readonly logger = new Logger('SyncJobs');

  constructor(
    private readonly jobs: SyncJobsRepository,
    private readonly sources: SyncSourcesRepository,
    private readonly connections: GoogleConnectionsService,
    private readonly pull: GooglePull,
    private readonly secrets: SecretBox,
    private readonly background: BackgroundWork,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    @InjectMetric(SYNC_RUNS_TOTAL) private readonly ended: Counter<string>,
    @InjectMetric(SYNC_ITEMS_TOTAL) private readonly items: Counter<string>,
  ) {}

  /**
   * One slice of job `id`, until the job ends, SYNC_JOB_SLICE_SECONDS pass or `stop` fires (then
   * 'continue'). A transient failure throws RetryableSyncError when `mayRetry`; any other failure
   * ends the job as failed, its access token erased.
   */
  run(id: string, stop: AbortSignal, mayRetry: boolean): Promise<SliceOutcome> {
    return this.background.run('sync_job', async () => {
      const job = await this.jobs.claim(id);
      if (!job) return 'ended';
      const sliceEnd = AbortSignal.timeout(this.config.sync.sliceSeconds * 1000);
      let state: PullState = { ...job, jobId: id };
      try {
        const token = new JobToken(job, this.secrets, this.connections);
        while (!sliceEnd.aborted && !stop.aborted) {
          if (!(await this.mayPullNextPage(id, job.attempt))) return 'ended';
          const page = await token.use((value) => this.pull.next(state, value, stop));
          const { counts, status } = await this.background.inTransaction(() =>
            this.store(id, job, page),
          );
          for (const change of ['created', 'updated', 'unchanged', 'removed', 'skipped'] as const) {
            this.items.inc({ source: job.source, change }, counts[change]);
          }
          if (status === 'cancelled') {
            this.logger.log({ syncJobId: id, attempt: job.attempt }, 'sync job cancelled');
            return 'ended';
          }
          if (page.cursor === null) {
            this.ended.inc({ source: job.source, trigger: job.trigger, status: 'succeeded' });
            this.logger.log({ syncJobId: id, attempt: job.attempt }, 'sync job succeeded');
            return 'ended';
          }
          state = { ...state, fetched: state.fetched + page.fetched, cursor: page.cursor };
        }
        return 'continue';
      } catch (error) {
        if (error instanceof Superseded) return 'ended';
        if (error instanceof NoToken) {
          await this.failWith(id, error.failure, job.attempt);
          return 'ended';
        }
        if (stop.aborted) return 'continue'; // shutting down: the page in flight is pulled again
        return this.failed(id, job.attempt, error, mayRetry);
      }
    });
  }

  /**
   * Stores a page with the job's progress and resume point; after a source's last page, where
   * its next run starts. Superseded when another run holds the job now.
   */
  private async store(id: string, job: ClaimedSyncJob, page: PulledPage) {
    const stored = await page.store();
    const counts = { ...stored, removed: stored.removed ?? 0, skipped: stored.skipped ?? 0 };
    const progress = { ...counts, fetched: page.fetched, cursor: page.cursor };
    const after = await this.jobs.advance(id, job.attempt, progress);
    if (!after) throw new Superseded();
    if (after.status === 'succeeded') {
      if (job.sourceId !== null && page.sourceState) {
        await this.sources.keepState(job.sourceId, page.sourceState, id);
      }
      const changed = after.created + after.updated + after.removed + after.skipped > 0;
      // a scheduled run that found nothing new is in the job list, not on the timeline
      if (changed || after.trigger !== 'schedule') await this.recordEnd(id, after, 'succeeded');
    }
    return { counts, status: after.status };
  }

  /**
   * Before each page (one read): false when the job was cancelled, ended or taken by another run,
   * or when its creator lost the casefile — then the job has been ended as failed here.
   */
  private async mayPullNextPage(id: string, attempt: number): Promise<boolean> {
    const standing = await this.jobs.standing(id);
    if (standing?.status !== 'running' || standing.attempt !== attempt) return false;
    const lost = lostAccess(standing);
    if (!lost) return true;
    if (await this.failWith(id, lost, attempt)) {
      this.logger.warn({ syncJobId: id, attempt, ...lost }, 'sync job failed');
    }
    return false;
  }

  /** Ends a job whose slices failed every try (their workers died or broke): the queue gave up. */
  giveUp(id: string, tries: number): Promise<void> {
    return this.background.run('sync_job', async () => {
      const message = `The sync job failed ${tries} times in a row and was given up`;
      if (await this.failWith(id, { code: 'SYS_INTERNAL', message })) {
        this.logger.warn({ syncJobId: id, tries }, 'sync job given up');
      }
    });
  }

  private async failed(
    id: string,
    attempt: number,
    error: unknown,
    mayRetry: boolean,
  ): Promise<SliceOutcome> {
    const { failure, retryable } = failureOf(error);
    const log = { syncJobId: id, attempt, ...failure };
    if (failure.code === 'SYS_INTERNAL')
      this.logger.error({ ...log, err: error }, 'sync job broke');
    if (retryable && mayRetry) {
      this.logger.warn(log, 'sync job failed; the queue will retry it');
      await this.jobs.noteRetry(id, attempt, failure);
      throw new RetryableSyncError(failure.message);
    }
    this.logger.warn(log, 'sync job failed');
    await this.failWith(id, failure, attempt);
    return 'ended';
  }

  /**
   * The run's end on its casefile's timeline (a success) or in the audit log (a failure): what
   * it did in all, for whom, started how.
   */
  private recordEnd(
    id: string,
    job: EndedSyncJob,
    status: 'succeeded' | 'failed',
    failure?: SyncFailure,
  ): Promise<void> {
    const { source, trigger, sourceId, casefileId, createdBy, ...totals } = job;
    const code = failure?.code as ErrorCode | undefined;
    return this.audit.recordWork({
      workId: id,
      operation: 'sync_run',
      userId: createdBy,
      resourceType: 'sync_job',
      resourceId: id,
      casefileId,
      status: status === 'succeeded' ? 'success' : 'failure',
      httpStatus: code === undefined ? 200 : (ERROR_CODES[code]?.status ?? 500),
      details: { source, trigger, source_id: sourceId, status, ...totals, error: failure?.code },
    });
  }

  /**
   * Ends the job as failed and counts it; a source whose runs would all fail alike (its
   * connection revoked, its creator gone from the casefile) is paused with the reason. False when
   * the job had ended or another run holds it.
   */
  private async failWith(id: string, failure: SyncFailure, attempt?: number): Promise<boolean> {
    // the end, its record and the pause commit together, or none of them does
    const ended = await this.background.inTransaction(async () => {
      const job = await this.jobs.fail(id, failure, attempt);
      if (!job) return undefined;
      await this.recordEnd(id, job, 'failed', failure);
      const paused = job.sourceId !== null && pauses(failure);
      if (paused) {
        await this.sources.pause(job.sourceId as string, {
          code: failure.code,
          message: failure.message,
        });
      }
      return { job, paused };
    });
    if (!ended) return false;
    const { job, paused } = ended;
    this.ended.inc({ source: job.source, trigger: job.trigger, status: 'failed' });
    if (paused) {
      this.logger.warn(
        { syncJobId: id, syncSourceId: job.sourceId, ...failure },
        'sync source paused',
      );
    }
    return true;
  }
}

/**
 * The access token a job pulls with: a one-shot job's own (sealed in the job), or one made from
 * its source's connection — kept there until it nears its expiry, and made anew once when Google
 * answers 401 to it.
 */
class JobToken {
  private value: string | undefined;

  constructor(
    private readonly job: ClaimedSyncJob,
    private readonly secrets: SecretBox,
    private readonly connections: GoogleConnectionsService,
  ) {}

  /** Runs `pull` with the token; a source's run gets a fresh one and tries again after a 401. */
  async use<T>(pull: (token: string) => Promise<T>): Promise<T> {
    this.value ??= await this.get(false);
    try {
      return await pull(this.value);
    } catch (error) {
      const refused = error instanceof GoogleApiError && error.status === 401;
      if (!refused || this.job.connectionId === null) throw error;
      this.value = await this.get(true);
      return pull(this.value);
    }
  }

  private async get(fresh: boolean): Promise<string> {
    const { accessToken, connectionId } = this.job;
    if (accessToken !== null) {
      const token = this.secrets.open('google-access-tokens', accessToken);
      if (token !== undefined) return token;
      const message = 'The access token could not be decrypted (JWT_SECRET changed)';
      throw new NoToken({ code: 'SYS_INTERNAL', message });
    }
    if (connectionId === null) {
      throw new NoToken({ code: 'NF_SYNC_SOURCE', message: 'The sync source was deleted' });
    }
    try {
      return await this.connections.accessToken(connectionId, { fresh });
    } catch (error) {
      if (error instanceof DomainError) throw error; // revoked: BR_GOOGLE_CONNECTION_REVOKED
      throw new GoogleApiError("Google's token endpoint could not be reached", undefined, true);
    }
  }
}
