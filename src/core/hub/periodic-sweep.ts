import { Logger } from '@nestjs/common';
import type { BackgroundWork } from './background';

/**
 * Periodic clean-up that every instance runs on its own timer (`@Interval` in the subclass calls
 * `tick()`): each run is a job of its own (`BackgroundWork`), a run slower than the interval is
 * not overlapped by the next one on this instance, and a failed run is logged for the next one
 * to retry. The rows are split between instances by the statements themselves (SKIP LOCKED, or a
 * condition re-checked under the row's lock), so no instance waits for another.
 */
export abstract class PeriodicSweep {
  protected readonly logger: Logger;
  private running = false;

  constructor(
    private readonly background: BackgroundWork,
    /** The job's name: its operation, in its id and log lines. */
    private readonly job: string,
    /** What it sweeps, for its log lines ("sessions", "idempotency records", …). */
    private readonly what: string,
  ) {
    this.logger = new Logger(new.target.name);
  }

  /** One sweep: how many rows it swept. */
  sweep(): Promise<number> {
    return this.background.run(this.job, () => this.sweepOnce());
  }

  /** The timer's run: never two at once here, and a failure waits for the next one. */
  protected async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.sweep();
    } catch (error) {
      this.logger.warn({ err: error }, `${this.what} sweep failed; the next one retries`);
    } finally {
      this.running = false;
    }
  }

  protected abstract sweepOnce(): Promise<number>;
}
