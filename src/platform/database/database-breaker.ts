import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import type { Socket } from 'node:net';
import { Client, type Pool, type PoolClient } from 'pg';
import { isDatabaseUnreachableError } from './database-unavailable';
import { DatabaseUnavailableError } from '../errors/system.errors';

/** How often the heartbeat asks PostgreSQL `SELECT 1` (and how soon it retries once open). */
const HEARTBEAT_MS = 400;
/** A ping not answered in this long means the database is not answering. */
const PING_TIMEOUT_MS = 800;
/** A timer this late means this process stalled, not the database (see answeredWithin). */
const STALL_MS = 200;

/** The heartbeat's ping was not answered in time. */
class PingTimeout extends Error {}

/**
 * Waits for `work` for `ms`. A timer is event-loop time: when the loop itself stalled (a long
 * synchronous task — here, or in a test), the timer fires late and before the I/O that arrived
 * meanwhile is read, so a late timer gives the work another `ms` before it counts as unanswered.
 * Without this, any stall past 800 ms opened the breaker and failed every request with 503.
 */
export async function answeredWithin(work: Promise<unknown>, ms: number): Promise<void> {
  const answered = work.then(() => true);
  for (let tries = 0; ; tries++) {
    const scheduled = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const inTime = await Promise.race([answered, late]);
    clearTimeout(timer);
    if (inTime) return;
    const overdue = performance.now() - scheduled - ms;
    if (overdue < STALL_MS || tries > 0) throw new PingTimeout();
  }
}

/**
 * A circuit breaker (opossum) over a database heartbeat: a `SELECT 1` every 400 ms on a
 * connection of its own (never queued behind the pool's work). A ping that fails or does not
 * answer within 0.8 s while nothing else is answered either — or any request that meets a
 * connection-level failure — opens it (a slow ping while other statements are answered is a busy
 * server, not a gone one); while
 * open, every statement and transaction fails at once with `503 SYS_DATABASE_UNAVAILABLE`, and
 * those already waiting on the database are answered 503 at that moment instead of after their
 * timeouts. Open, the heartbeat keeps trying on fresh connections and closes it on the first
 * answer, so the service recovers by itself within about a second of the database's return.
 */
export class DatabaseBreaker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private readonly breaker: CircuitBreaker<[], void>;
  private readonly waiting = new Set<(error: Error) => void>();
  /** The pool's connections handed out right now (watch()). */
  private readonly busy = new Set<PoolClient>();
  private client: Client | undefined;
  private beating = false;
  /** When a statement of any request was last answered (the server is there). */
  private lastAnswerAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly url: string) {
    this.breaker = new CircuitBreaker(() => this.ping(), {
      // the ping keeps its own time (answeredWithin), telling a stall of ours from the database's
      timeout: false,
      resetTimeout: HEARTBEAT_MS,
      // any failed ping opens it: the heartbeat is the only thing it counts
      errorThresholdPercentage: 1,
      volumeThreshold: 1,
    });
    this.breaker.on('open', () => {
      this.logger.error('database not answering: failing requests fast until it does');
      const error = new DatabaseUnavailableError();
      for (const reject of this.waiting) reject(error);
      this.waiting.clear();
      for (const client of this.busy) closeAtOnce(client);
      this.busy.clear();
    });
    this.breaker.on('halfOpen', () => this.beat());
    this.breaker.on('close', () => this.logger.log('database answering again'));
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.breaker.shutdown();
    this.dropClient();
  }

  /**
   * Follows which of the pool's connections are busy, so that opening closes them: each waits on
   * a server that does not answer (a frozen or unreachable one may never), and would hold its
   * pool slot until TCP gives up. Closed, the pool opens fresh ones once the server answers again,
   * and PostgreSQL rolls back whatever they had begun. This replaces node-postgres's
   * `query_timeout`, a timer per statement, whose closures kept every request alive through V8's
   * young-generation collections (docs/benchmarks.md).
   */
  watch(pool: Pool): void {
    pool.on('acquire', (client) => this.busy.add(client));
    pool.on('release', (_error, client) => this.busy.delete(client));
    pool.on('remove', (client) => this.busy.delete(client));
  }

  /** True while the database answers. */
  get closed(): boolean {
    return this.breaker.closed;
  }

  /** `503 SYS_DATABASE_UNAVAILABLE` at once while the breaker is not closed. */
  assertAvailable(): void {
    if (!this.breaker.closed) throw new DatabaseUnavailableError();
  }

  /** The outcome of `work`, or 503 as soon as the breaker opens while it is still waiting. */
  guard<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      work.then(
        (value) => {
          this.waiting.delete(reject);
          this.lastAnswerAt = performance.now();
          resolve(value);
        },
        (error: unknown) => {
          this.waiting.delete(reject);
          // only a sign that the server is gone: a slow statement is its own request's failure
          if (isDatabaseUnreachableError(error)) this.open();
          // an error of the statement itself: the server answered
          else this.lastAnswerAt = performance.now();
          // as it came: errors of Node's net module may be of another realm (not `instanceof Error`)
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        },
      );
    });
  }

  /** The first sign from a request (a refused or dropped connection) opens it without a ping. */
  open(): void {
    if (this.breaker.closed) this.breaker.open();
  }

  private beat(): void {
    if (this.beating) return;
    this.beating = true;
    this.breaker
      .fire()
      .catch(() => undefined) // the breaker's state is the outcome
      .finally(() => (this.beating = false));
  }

  private async ping(): Promise<void> {
    let client = this.client;
    const started = performance.now();
    try {
      if (!client) {
        const fresh = new Client({
          connectionString: this.url,
          // a backstop only: the ping's 800 ms are answeredWithin's, which tells a stall of ours
          connectionTimeoutMillis: 5 * PING_TIMEOUT_MS,
          application_name: 'casefile-hub-heartbeat',
        });
        fresh.on('error', () => this.dropClient(fresh));
        this.client = client = fresh;
        await answeredWithin(fresh.connect(), PING_TIMEOUT_MS);
      }
      await answeredWithin(client.query('SELECT 1'), PING_TIMEOUT_MS);
    } catch (error) {
      // a frozen server may never answer its goodbye: the connection is abandoned
      this.dropClient(client);
      // a slow ping while the server answers other statements is a busy server, not a gone one:
      // under load (one user's heavy imports) it must not fail everyone's requests
      if (error instanceof PingTimeout && this.lastAnswerAt > started) return;
      throw error;
    }
  }

  /** Abandons the heartbeat connection (a frozen server may never answer its goodbye). */
  private dropClient(client = this.client): void {
    if (!client) return;
    if (client === this.client) this.client = undefined;
    client.end().catch(() => undefined);
  }
}

/**
 * What node-postgres itself does when a pipelined statement times out: `end()` would wait for
 * the statements on the wire, which a server that does not answer never finishes.
 */
function closeAtOnce(client: PoolClient): void {
  (client as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
}
