import { Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { BackgroundWork } from '../../../core/hub/background';
import { PeriodicSweep } from '../../../core/hub/periodic-sweep';
import { SyncSourcesRepository } from './sync-sources.repository';
import { SyncSourcesService } from './sync-sources.service';

/** How often each instance looks for due sources: well under the shortest interval (5 min). */
const TICK_MS = 30_000;
/** Sources started per transaction; a backlog drains over several in one tick. */
const BATCH = 50;
const BATCHES_PER_TICK = 20;

/**
 * Runs sync sources on their schedule (API.md §7.1): every instance looks every 30 s; a due
 * source is taken by one of them (SKIP LOCKED), its next run moved an interval ahead and its job
 * queued in the same transaction — so each interval starts one run across every instance, and a
 * source whose last run is still going skips a beat instead of starting a second.
 */
@Injectable()
export class SyncScheduler extends PeriodicSweep {
  constructor(
    private readonly work: BackgroundWork,
    private readonly sources: SyncSourcesRepository,
    private readonly runs: SyncSourcesService,
  ) {
    super(work, 'schedule_sync_sources', 'sync schedule');
  }

  @Interval(TICK_MS)
  onInterval(): Promise<void> {
    return this.tick();
  }

  /** How many runs it queued. */
  protected async sweepOnce(): Promise<number> {
    let queued = 0;
    for (let batch = 0; batch < BATCHES_PER_TICK; batch++) {
      const { due, started } = await this.work.inTransaction(async () => {
        const taken = await this.sources.takeDue(BATCH);
        let count = 0;
        for (const { id } of taken) {
          if ((await this.runs.start(id, 'schedule')) !== undefined) count++;
        }
        return { due: taken.length, started: count };
      });
      queued += started;
      if (due < BATCH) break;
    }
    if (queued > 0) this.logger.log({ queued }, 'scheduled sync runs queued');
    return queued;
  }
}
