import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { BackgroundWork } from '../../core/hub/background';
import { SessionsService } from './sessions.service';

const SWEEP_INTERVAL_MS = 30_000;

/**
 * Expires idle sessions in bulk (API.md §5.2), so lists are right without a request touching
 * each one. Every instance sweeps; they split the due rows between them and never expire one
 * twice (see SessionsRepository.sweep), so no lock is needed.
 */
@Injectable()
export class SessionSweeper {
  private readonly logger = new Logger('SessionSweeper');
  private running = false;

  constructor(
    private readonly sessions: SessionsService,
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
      this.logger.warn({ err: error }, 'session sweep failed; the next one retries');
    } finally {
      this.running = false;
    }
  }

  /** One sweep: how many sessions it expired. */
  sweep(): Promise<number> {
    return this.background.run('sweep_sessions', async () => {
      const expired = await this.sessions.sweep();
      if (expired > 0) this.logger.log({ expired }, 'sessions expired');
      return expired;
    });
  }
}
