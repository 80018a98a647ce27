import { Logger, type OnApplicationShutdown } from '@nestjs/common';

/** The channel (PostgreSQL NOTIFY or Redis pub/sub) on which "turn X has new events" goes out. */
export const TURN_SIGNAL_CHANNEL = 'casefile_hub_chat_turn_events';

/**
 * Wakes the followers of a turn, on every instance, when new events of it are written. A signal
 * carries only the turn id: followers read the events themselves from `chat_turn_events`, so a
 * lost signal costs latency (they also look on their own every few seconds), never an event.
 * PostgreSQL LISTEN/NOTIFY by default; Redis pub/sub when REDIS_URL is set.
 */
export abstract class TurnSignals implements OnApplicationShutdown {
  protected readonly logger = new Logger('TurnSignals');
  private readonly listeners = new Map<string, Set<() => void>>();
  private listening: Promise<void> | undefined;
  /**
   * The NOTIFY channel, when signals go through the database: then the statement that stores a
   * turn's events sends the signal itself (one round trip, not two) and `publish` is not needed.
   */
  readonly databaseChannel: string | undefined = undefined;

  /** Tells every instance that `turnId` has new events. Never throws: followers also poll. */
  async publish(turnId: string): Promise<void> {
    try {
      await this.send(turnId);
    } catch (error) {
      this.logger.warn({ err: error, turn_id: turnId }, 'turn signal not sent');
    }
  }

  /** Calls `listener` whenever `turnId` has new events; answers the unsubscribe. */
  subscribe(turnId: string, listener: () => void): () => void {
    this.listening ??= this.listen().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'not listening for turn signals; followers poll');
      this.listening = undefined; // the next follower tries again
    });
    const set = this.listeners.get(turnId) ?? new Set();
    set.add(listener);
    this.listeners.set(turnId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(turnId);
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** A signal arrived for `turnId`. */
  protected deliver(turnId: string): void {
    for (const listener of this.listeners.get(turnId) ?? []) listener();
  }

  /** The connection that lost its subscription is gone; the next follower listens again. */
  protected lost(error: unknown): void {
    this.logger.warn({ err: error }, 'turn signal connection lost');
    this.listening = undefined;
  }

  protected abstract send(turnId: string): Promise<void>;
  protected abstract listen(): Promise<void>;
  protected abstract stop(): Promise<void>;
}

/**
 * A follower's wait for the next signal: `wait(ms)` answers true when signalled (also by a signal
 * that came before the wait), false when `ms` passed without one.
 */
export class Wakeup {
  private signalled = false;
  private wake: (() => void) | undefined;

  readonly notify = (): void => {
    this.signalled = true;
    this.wake?.();
  };

  async wait(ms: number): Promise<boolean> {
    if (!this.signalled) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    const signalled = this.signalled;
    this.signalled = false;
    return signalled;
  }
}
