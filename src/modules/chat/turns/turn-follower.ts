import { Injectable } from '@nestjs/common';
import { RequestValidationError } from '../../../platform/errors/system.errors';
import type { SseEvent } from '../../../core/http/event-stream';
import { ChatTurnInterruptedError, ChatTurnNotFoundError } from '../chat.errors';
import { isLast, type TurnEvent, toSseEvent } from './turn-event';
import { TurnEventsRepository } from './turn-events.repository';
import { TurnSignals, Wakeup } from './turn-signals';
import { type Session, SessionsService } from '../../sessions';

/** The largest event id a turn can have (`chat_turn_events.seq` is a PostgreSQL integer). */
const MAX_EVENT_ID = 2_147_483_647;

/** A follower that heard nothing for this long looks for itself (a signal may have been lost). */
const FOLLOW_POLL_MS = 2_000;

/**
 * Resumed streams (`resume_chat_stream`): a streamed turn's stored events after the client's last
 * one, then the rest as whichever instance runs the turn writes them, until `done`.
 */
@Injectable()
export class TurnFollower {
  constructor(
    private readonly events: TurnEventsRepository,
    private readonly signals: TurnSignals,
    private readonly sessions: SessionsService,
  ) {}

  /**
   * `GET …/turns/{turn_id}/events`: the turn's events after `lastEventId`, then the rest as they
   * are written (by whichever instance runs the turn) until `done`.
   */
  async resume(
    session: Session,
    turnId: string,
    lastEventId: string | undefined,
  ): Promise<AsyncIterable<SseEvent>> {
    const after = lastEventId === undefined || lastEventId === '' ? 0 : Number(lastEventId);
    // an event id is a turn's `seq`, an integer column: nothing past it can name one
    if (!/^\d{0,10}$/.test(lastEventId ?? '') || after > MAX_EVENT_ID) {
      throw new RequestValidationError([
        { field: 'Last-Event-ID', message: 'Last-Event-ID must be an event id of this turn' },
      ]);
    }
    if (!(await this.events.exists(session.id, turnId))) throw new ChatTurnNotFoundError();
    return this.mapped(this.follow(session.id, turnId, after));
  }

  private async *mapped(events: AsyncIterable<TurnEvent>): AsyncGenerator<SseEvent> {
    for await (const event of events) yield toSseEvent(event);
  }

  /**
   * Reads the turn's events after `after` from the table, then waits for signals (or looks every
   * FOLLOW_POLL_MS) and reads again, until `done`. A turn that stopped without `done` — the
   * session is no longer held, and nothing came — ends with an `error` event of its own.
   */
  private async *follow(
    sessionId: string,
    turnId: string,
    after: number,
  ): AsyncGenerator<TurnEvent> {
    const wakeup = new Wakeup();
    const unsubscribe = this.signals.subscribe(turnId, wakeup.notify);
    try {
      let last = after;
      let first = true;
      for (let held = true; ;) {
        const events = await this.events.after(sessionId, turnId, last);
        for (const event of events) {
          yield event;
          if (isLast(event)) return;
          last = event.seq;
        }
        if (events.length > 0) {
          first = false;
          continue;
        }
        // nothing after the client's last event: it may have seen the end already
        if (first && (await this.events.ended(sessionId, turnId))) return;
        first = false;
        if (!held) {
          yield* this.interrupted(turnId, last);
          return;
        }
        // read after a look at the lease: a turn writes `done` before its request frees the session
        if (!(await wakeup.wait(FOLLOW_POLL_MS))) held = await this.sessions.isBusy(sessionId);
      }
    } finally {
      unsubscribe();
    }
  }

  private *interrupted(turnId: string, last: number): Generator<TurnEvent> {
    const { code, message } = new ChatTurnInterruptedError();
    yield { seq: last + 1, event: 'error', data: { turn_id: turnId, code, message } };
    yield { seq: last + 2, event: 'done', data: { turn_id: turnId, status: 'failed' } };
  }
}
