import { Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { BackgroundWork } from '../hub/background';
import { PeriodicSweep } from '../hub/periodic-sweep';
import { IdempotencyStore } from './idempotency.store';

const SWEEP_INTERVAL_MS = 60_000;
const ROWS_PER_BATCH = 5_000;
/** A backlog drains over several sweeps, never in one long run. */
const BATCHES_PER_SWEEP = 20;

/**
 * Deletes expired Idempotency-Key records (issue 21: they were never purged). Every instance
 * sweeps; SKIP LOCKED splits the rows between them.
 */
@Injectable()
export class IdempotencySweeper extends PeriodicSweep {
  constructor(
    private readonly store: IdempotencyStore,
    background: BackgroundWork,
  ) {
    super(background, 'sweep_idempotency_keys', 'idempotency');
  }

  @Interval(SWEEP_INTERVAL_MS)
  onInterval(): Promise<void> {
    return this.tick();
  }

  protected async sweepOnce(): Promise<number> {
    let deleted = 0;
    for (let batch = 0; batch < BATCHES_PER_SWEEP; batch++) {
      const rows = await this.store.sweep(ROWS_PER_BATCH);
      deleted += rows;
      if (rows < ROWS_PER_BATCH) break;
    }
    if (deleted > 0) this.logger.log({ deleted }, 'expired idempotency records deleted');
    return deleted;
  }
}
