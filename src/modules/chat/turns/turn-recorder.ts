import { Logger } from '@nestjs/common';
import { isLast, type TurnEvent, type TurnEventName } from './turn-event';

/** Where a recorder writes a turn's events (persisted, then signalled to every instance). */
export type TurnEventSink = (events: readonly TurnEvent[]) => Promise<void>;

/**
 * The events of one running turn, in order. `emit` numbers an event and queues it; one write at a
 * time stores what is queued (events that arrive while a write is in flight go out together in
 * the next one, so a fast stream of deltas costs few statements). An event is handed to the live
 * stream only once it is stored, so whatever a client has seen, a resumed stream finds.
 */
export class TurnRecorder {
  private static readonly logger = new Logger('ChatTurns');
  private seq = 0;
  private queued: TurnEvent[] = [];
  private readonly stored: TurnEvent[] = [];
  private writing: Promise<void> | undefined;
  private readonly waiting = new Set<() => void>();

  /** `sink` undefined: a turn nobody streams (answered as JSON), whose events go nowhere. */
  constructor(
    readonly turnId: string,
    private readonly sink: TurnEventSink | undefined,
  ) {}

  emit(event: TurnEventName, data: Record<string, unknown>): void {
    if (!this.sink) return;
    this.queued.push({ seq: ++this.seq, event, data: { turn_id: this.turnId, ...data } });
    this.writing ??= this.write();
  }

  /** Resolves once every event emitted so far is stored. */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** The turn's events as they are stored, from the first, until `done`. */
  async *live(): AsyncGenerator<TurnEvent> {
    for (let next = 0; ;) {
      while (next < this.stored.length) {
        const event = this.stored[next++];
        yield event;
        if (isLast(event)) return;
      }
      await new Promise<void>((resolve) => this.waiting.add(resolve));
    }
  }

  private async write(): Promise<void> {
    while (this.queued.length > 0) {
      const batch = this.queued;
      this.queued = [];
      try {
        await this.sink?.(batch);
      } catch (error) {
        // the live stream still gets them; a resumed one will miss them (the database is failing)
        TurnRecorder.logger.error({ err: error, turn_id: this.turnId }, 'turn events not stored');
      }
      this.stored.push(...batch);
      for (const wake of this.waiting) wake();
      this.waiting.clear();
    }
    this.writing = undefined;
  }
}
