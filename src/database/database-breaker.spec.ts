import { EventEmitter } from 'node:events';
import type { Pool, PoolClient } from 'pg';
import { DatabaseUnavailableError } from '../core/errors/system.errors';
import { DatabaseBreaker } from './database-breaker';

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
