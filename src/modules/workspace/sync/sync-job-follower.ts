import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SseEvent } from '../../../core/http/event-stream';
import { RequestValidationError } from '../../../platform/errors/system.errors';
import type { Actor } from '../../../core/hub/actor';
import type { SyncJobDto } from './dto/sync-jobs.dto';
import { toSyncJobDto } from './sync-jobs.service';
import { type SyncJobRow, SyncJobsRepository } from './sync-jobs.repository';
import { SyncJobNotFoundError } from './sync-jobs.errors';
import { includesLevel } from '../../access';

/** How often a follower reads the job (any instance may be running it). */
const FOLLOW_POLL_MS = 1_000;
/** The largest event id a job can have (`sync_jobs.seq` + 1, an integer column). */
const MAX_EVENT_ID = 2_147_483_647;

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * `GET /sync-jobs/{id}/events` (API.md §7): a job's progress as Server-Sent Events, from any
 * instance. Every change of the job raises its `seq`; an event is the job as it stands (`progress`,
 * then `done` when it has ended), with `seq + 1` for its id. Progress is cumulative, so a stream
 * resumed after `Last-Event-ID` sends the job as it stands now if it changed since — never a
 * stale snapshot, nothing twice — and ends with `done`.
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
      throw new RequestValidationError([
        { field: 'Last-Event-ID', message: 'Last-Event-ID must be an event id of this job' },
      ]);
    }
    const first = await this.visible(actor, id);
    if (!first) throw new SyncJobNotFoundError();
    return this.events(actor, id, first, after);
  }

  /**
   * The job's events after `after`: its state whenever it changed, until it has ended — or until
   * the caller can no longer see it (then the stream just ends).
   */
  private async *events(
    actor: Actor,
    id: string,
    first: SyncJobRow,
    after: number,
  ): AsyncGenerator<SseEvent> {
    let job: SyncJobRow | undefined = first;
    let last = after;
    while (job) {
      const eventId = job.seq + 1;
      const ended = ENDED.has(job.status);
      if (eventId > last) {
        last = eventId;
        yield {
          event: ended ? 'done' : 'progress',
          id: String(eventId),
          data: toSyncJobDto(job) satisfies SyncJobDto,
        };
      }
      if (ended) return;
      await sleep(FOLLOW_POLL_MS);
      job = await this.visible(actor, id);
    }
  }

  /** The job, while the caller may read its casefile. */
  private async visible(actor: Actor, id: string): Promise<SyncJobRow | undefined> {
    const found = await this.jobs.findFor(id, actor.userId);
    return found && includesLevel(found.level, 'viewer') ? found : undefined;
  }
}
