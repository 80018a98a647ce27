import { Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { AppConfig } from '../../../config/app-config';
import { BackgroundWork } from '../../../core/hub/background';
import { PeriodicSweep } from '../../../core/hub/periodic-sweep';
import { TurnEventsRepository } from './turn-events.repository';

const SWEEP_INTERVAL_MS = 60_000;
/** Turns per statement: a turn's events (its deltas too) go together, so this bounds each one. */
const TURNS_PER_BATCH = 100;
/** A backlog (a first sweep over a large table) drains over several sweeps. */
const BATCHES_PER_SWEEP = 50;
/** A turn ends this long after its deadline at the latest (the tool calls it let finish). */
const TURN_END_GRACE_SECONDS = 30;

/**
 * Deletes the events of streamed turns (`chat_turn_events`) that began more than
 * CHAT_TURN_EVENTS_RETENTION_SECONDS ago, whole turns at a time; a resumed stream of such a turn
 * is then an unknown turn (404). Never a turn that may still run: the retention counts from at
 * least the longest a turn can take, or the events it writes after the sweep would stay for good.
 * Every instance sweeps; they split the due turns between them, so no lock is needed.
 */
@Injectable()
export class TurnEventsSweeper extends PeriodicSweep {
  constructor(
    private readonly events: TurnEventsRepository,
    background: BackgroundWork,
    private readonly config: AppConfig,
  ) {
    super(background, 'sweep_chat_turn_events', 'turn events');
  }

  @Interval(SWEEP_INTERVAL_MS)
  onInterval(): Promise<void> {
    return this.tick();
  }

  /** How many events it deleted. */
  protected async sweepOnce(): Promise<number> {
    const { turnEventsRetentionSeconds, turnDeadlineMs } = this.config.chat;
    const longestTurn =
      (turnDeadlineMs + 2 * this.config.tools.timeoutMs) / 1000 + TURN_END_GRACE_SECONDS;
    const seconds = Math.max(turnEventsRetentionSeconds, Math.ceil(longestTurn));
    let turns = 0;
    let events = 0;
    for (let batch = 0; batch < BATCHES_PER_SWEEP; batch++) {
      const deleted = await this.events.deleteTurnsStartedBefore(seconds, TURNS_PER_BATCH);
      turns += deleted.turns;
      events += deleted.events;
      if (deleted.turns < TURNS_PER_BATCH) break;
    }
    if (turns > 0) this.logger.log({ turns, events }, 'chat turn events deleted');
    return events;
  }
}
