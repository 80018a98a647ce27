import type Redis from 'ioredis';
import { TURN_SIGNAL_CHANNEL, TurnSignals } from './turn-signals';

/**
 * Turn signals over Redis pub/sub (when REDIS_URL is set): PUBLISH on the shared connection,
 * SUBSCRIBE on a duplicate of it (a subscribed connection can do nothing else), which ioredis
 * reconnects and resubscribes by itself.
 */
export class RedisTurnSignals extends TurnSignals {
  private subscriber: Redis | undefined;

  constructor(private readonly redis: Redis) {
    super();
  }

  protected async send(turnId: string): Promise<void> {
    await this.redis.publish(TURN_SIGNAL_CHANNEL, turnId);
  }

  protected async listen(): Promise<void> {
    // the shared client fails fast while Redis is away; a subscription waits for it instead
    const subscriber = this.redis.duplicate({ enableOfflineQueue: true });
    subscriber.on('message', (_channel: string, turnId: string) => this.deliver(turnId));
    subscriber.on('error', (error: Error) =>
      this.logger.warn(`redis subscriber: ${error.message}`),
    );
    this.subscriber = subscriber;
    await subscriber.subscribe(TURN_SIGNAL_CHANNEL);
  }

  protected async stop(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber?.status === 'ready') await subscriber.quit().catch(() => undefined);
    subscriber?.disconnect(false);
  }
}
