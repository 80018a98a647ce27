import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SseEvent } from '../../../core/http/event-stream';
import { RequestValidationError } from '../../../platform/errors/system.errors';
import type { Actor } from '../../../core/hub/actor';
import { toSyncJobDto } from './sync-jobs.service';
import { type SyncJobRow, SyncJobsRepository } from './sync-jobs.repository';
import { SyncJobNotFoundError } from './sync-jobs.errors';
import { includesLevel } from '../../access';

/** How often a follower reads the job (any instance may be running it). */
const FOLLOW_POLL_MS = 1_000;
/** The largest event id a job can have (`sync_jobs.seq` + 1, an integer column). */
const MAX_EVENT_ID = 2_147_483_647;
/** A stream ends after this long (a job that runs for hours is followed by resumed streams). */
const STREAM_MS = 15 * 60_000;

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * `GET /sync-jobs/{id}/events` (API.md §7): a job's progress as Server-Sent Events, from any
 * instance. Every change of the job raises its `seq`; an event is the job as it stands (`progress`,
 * then `done` when it has ended), with `seq + 1` for its id. Progress is cumulative, so a stream
 * resumed after `Last-Event-ID` sends the job as it stands now if it changed since — never a
 * stale snapshot, nothing twice — and ends with `done`. A stream lasts 15 minutes at most; one
 * whose client left stops reading at once.
 */
@Injectable()
export class SyncJobFollower {
  constructor(private readonly jobs: SyncJobsRepository) {}

  async follow(
    actor: Actor,
    id: string,
    lastEventId: string | undefined,
  ): Promise<AsyncIterable<SseEvent>> {
    const after = lastEventId === undefined || lastEventId === '' ? 0 : Number(lastEventId);
    if (!/^\d{0,10}$/.test(lastEventId ?? '') || after > MAX_EVENT_ID) {
      throw badEventId();
    }
    const first = await this.visible(actor, id);
    if (!first) throw new SyncJobNotFoundError();
    if (after > first.seq + 1) throw badEventId(); // an id this job never sent
    return { [Symbol.asyncIterator]: () => this.events(actor, id, first, after) };
  }

  /**
   * The job's events after `after`: its state whenever it changed, until it has ended, the
   * caller can no longer see it, or STREAM_MS passed (the client resumes with Last-Event-ID).
   * Not a generator: `return()` — the client left — must stop the polling at once, not wait
   * behind a read that only ends when the job changes.
   */
  private events(
    actor: Actor,
    id: string,
    first: SyncJobRow,
    after: number,
  ): AsyncIterator<SseEvent> {
    const stopped = new AbortController();
    const deadline = Date.now() + STREAM_MS;
    let job: SyncJobRow | undefined = first;
    let last = after;
    let ended = false;
    const done = (): IteratorReturnResult<undefined> => {
      ended = true;
      return { done: true, value: undefined };
    };
    return {
      next: async (): Promise<IteratorResult<SseEvent>> => {
        while (!ended && !stopped.signal.aborted && job) {
          const eventId = job.seq + 1;
          const finished = ENDED.has(job.status);
          if (eventId > last) {
            last = eventId;
            if (finished) ended = true;
            const event = finished ? 'done' : 'progress';
            return { done: false, value: { event, id: String(eventId), data: toSyncJobDto(job) } };
          }
          if (finished || Date.now() >= deadline) return done();
          try {
            await sleep(FOLLOW_POLL_MS, undefined, { signal: stopped.signal });
          } catch {
            return done(); // the client left
          }
          job = await this.visible(actor, id);
        }
        return done();
      },
      return: (): Promise<IteratorResult<SseEvent>> => {
        stopped.abort();
        return Promise.resolve(done());
      },
    };
  }

  /** The job, while the caller may read its casefile. */
  private async visible(actor: Actor, id: string): Promise<SyncJobRow | undefined> {
    const found = await this.jobs.findFor(id, actor.userId);
    return found && includesLevel(found.level, 'viewer') ? found : undefined;
  }
}

const badEventId = () =>
  new RequestValidationError([
    { field: 'Last-Event-ID', message: 'Last-Event-ID must be an event id of this job' },
  ]);
