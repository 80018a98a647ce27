import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { BackgroundWork } from '../hub/background';
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
export class IdempotencySweeper {
  private readonly logger = new Logger('IdempotencySweeper');
  private running = false;

  constructor(
    private readonly store: IdempotencyStore,
    private readonly background: BackgroundWork,
  ) {}

  @Interval(SWEEP_INTERVAL_MS)
  async onInterval(): Promise<void> {
    // a sweep slower than the interval is not overlapped by the next one on this instance
    if (this.running) return;
    this.running = true;
    try {
      await this.sweep();
    } catch (error) {
      this.logger.warn({ err: error }, 'idempotency sweep failed; the next one retries');
    } finally {
      this.running = false;
    }
  }

  /** One sweep: how many expired records it deleted. */
  sweep(): Promise<number> {
    return this.background.run('sweep_idempotency_keys', async () => {
      let deleted = 0;
      for (let batch = 0; batch < BATCHES_PER_SWEEP; batch++) {
        const rows = await this.store.sweep(ROWS_PER_BATCH);
        deleted += rows;
        if (rows < ROWS_PER_BATCH) break;
      }
      if (deleted > 0) this.logger.log({ deleted }, 'expired idempotency records deleted');
      return deleted;
    });
  }
}
