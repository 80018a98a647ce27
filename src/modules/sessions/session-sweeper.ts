import { Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { BackgroundWork } from '../../core/hub/background';
import { PeriodicSweep } from '../../core/hub/periodic-sweep';
import { SessionsService } from './sessions.service';

const SWEEP_INTERVAL_MS = 30_000;

/**
 * Expires idle sessions in bulk (API.md §5.2), so lists are right without a request touching
 * each one. Every instance sweeps; they split the due rows between them and never expire one
 * twice (see SessionsRepository.sweep), so no lock is needed.
 */
@Injectable()
export class SessionSweeper extends PeriodicSweep {
  constructor(
    private readonly sessions: SessionsService,
    background: BackgroundWork,
  ) {
    super(background, 'sweep_sessions', 'session');
  }

  @Interval(SWEEP_INTERVAL_MS)
  onInterval(): Promise<void> {
    return this.tick();
  }

  protected async sweepOnce(): Promise<number> {
    const expired = await this.sessions.sweep();
    if (expired > 0) this.logger.log({ expired }, 'sessions expired');
    return expired;
  }
}
