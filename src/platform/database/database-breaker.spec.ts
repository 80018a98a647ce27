import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { Pool, PoolClient } from 'pg';
import { DatabaseUnavailableError } from '../errors/system.errors';
import { answeredWithin, DatabaseBreaker } from './database-breaker';

/** A pooled connection as far as the breaker sees it: its socket can be destroyed. */
function fakeClient() {
  const destroy = jest.fn();
  return { client: { connection: { stream: { destroy } } } as unknown as PoolClient, destroy };
}

describe('DatabaseBreaker', () => {
  let breaker: DatabaseBreaker;
  let pool: EventEmitter;

  beforeEach(() => {
    breaker = new DatabaseBreaker('postgres://nobody@127.0.0.1:1/none');
    pool = new EventEmitter();
    breaker.watch(pool as unknown as Pool);
  });

  afterEach(() => breaker.onApplicationShutdown());

  it('on opening, closes the connections still handed out and answers their requests 503', async () => {
    const busy = fakeClient();
    const released = fakeClient();
    const removed = fakeClient();
    for (const { client } of [busy, released, removed]) pool.emit('acquire', client);
    pool.emit('release', undefined, released.client);
    pool.emit('remove', removed.client);
    const waiting = breaker.guard(new Promise(() => undefined));

    breaker.open();

    await expect(waiting).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(busy.destroy).toHaveBeenCalledTimes(1);
    expect(released.destroy).not.toHaveBeenCalled();
    expect(removed.destroy).not.toHaveBeenCalled();
    expect(breaker.closed).toBe(false);
  });

  it('closes nothing while the database answers', () => {
    const busy = fakeClient();
    pool.emit('acquire', busy.client);
    expect(breaker.closed).toBe(true);
    expect(() => breaker.assertAvailable()).not.toThrow();
    expect(busy.destroy).not.toHaveBeenCalled();
  });
});

describe('answeredWithin (the heartbeat ping)', () => {
  const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const blockFor = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // a synchronous task holding the event loop
    }
  };

  it('passes an answer that comes in time', async () => {
    await expect(answeredWithin(after(20), 200)).resolves.toBeUndefined();
  });

  it('counts an answer that never comes as unanswered', async () => {
    await expect(answeredWithin(new Promise(() => undefined), 100)).rejects.toThrow();
  });

  // issue 21's load: a stall of this process opened the breaker although PostgreSQL had answered
  it('does not count a stall of this event loop against the database', async () => {
    // the answer is read after the timers, as I/O is (check phase, after the poll)
    const answer = new Promise((resolve) => setTimeout(() => setImmediate(resolve), 50));
    const waiting = answeredWithin(answer, 200);
    blockFor(600); // the answer arrives while the loop is held; the timer is overdue by 400 ms
    await expect(waiting).resolves.toBeUndefined();
  });

  it('still counts a database that stays silent through and after a stall', async () => {
    const waiting = answeredWithin(new Promise(() => undefined), 100);
    blockFor(400);
    await expect(waiting).rejects.toThrow();
  });
});

describe('DatabaseBreaker heartbeat against a server that accepts and never answers', () => {
  let silent: Server;
  let port: number;
  const sockets = new Set<Socket>();

  beforeEach(async () => {
    silent = createServer((socket) => sockets.add(socket)); // a frozen PostgreSQL, as a client sees it
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  const watchFor = async (breaker: DatabaseBreaker, ms: number, answer: boolean) => {
    breaker.onApplicationBootstrap();
    const until = Date.now() + ms;
    let opened = false;
    while (Date.now() < until && !opened) {
      // what the pool's statements say meanwhile: answered, or nothing at all
      if (answer) await breaker.guard(Promise.resolve());
      await new Promise((resolve) => setTimeout(resolve, 50));
      opened = !breaker.closed;
    }
    breaker.onApplicationShutdown();
    return opened;
  };

  it('opens when neither the ping nor anything else is answered', async () => {
    const breaker = new DatabaseBreaker(`postgres://nobody@127.0.0.1:${port}/none`);
    expect(await watchFor(breaker, 3000, false)).toBe(true);
  });

  // issue 21 under load: a slow ping opened the breaker while the server answered everyone else
  it('stays closed while other statements are answered, however slow the ping', async () => {
    const breaker = new DatabaseBreaker(`postgres://nobody@127.0.0.1:${port}/none`);
    expect(await watchFor(breaker, 3000, true)).toBe(false);
  });
});
