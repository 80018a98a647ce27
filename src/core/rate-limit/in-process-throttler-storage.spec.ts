import { InProcessThrottlerStorage } from './in-process-throttler-storage';

describe('InProcessThrottlerStorage', () => {
  let storage: InProcessThrottlerStorage;
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-12-02T00:00:00Z') });
    storage = new InProcessThrottlerStorage();
  });
  afterEach(() => {
    storage.onApplicationShutdown();
    jest.useRealTimers();
  });

  const hit = (key = 'user:1', limit = 3) =>
    storage.increment(key, 60_000, limit, 60_000, 'default');

  it('counts hits in a window and blocks past the limit until the block expires', async () => {
    expect(await hit()).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    await hit();
    expect((await hit()).isBlocked).toBe(false);
    jest.advanceTimersByTime(10_000);
    expect(await hit()).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 60 });
    jest.advanceTimersByTime(30_000);
    // blocked hits are not counted, and the block outlives the window it started in
    expect(await hit()).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 30 });
    jest.advanceTimersByTime(30_000);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('starts a new window once the old one expired', async () => {
    await hit();
    await hit();
    jest.advanceTimersByTime(60_000);
    expect(await hit()).toMatchObject({ totalHits: 1, timeToExpire: 60 });
  });

  it('keeps keys and throttler names apart', async () => {
    await hit('user:1');
    expect((await hit('user:2')).totalHits).toBe(1);
    expect((await storage.increment('user:1', 60_000, 3, 60_000, 'auth')).totalHits).toBe(1);
  });

  it('holds one record per key, however many hits: a busy caller costs O(1) per hit', async () => {
    jest.useRealTimers();
    const started = performance.now();
    for (let i = 0; i < 200_000; i++) await hit('busy', 1_000_000);
    const elapsedMs = performance.now() - started;
    expect((await hit('busy', 1_000_000)).totalHits).toBe(200_001);
    expect(storage.size).toBe(1);
    // a per-hit log filtered on every hit would need minutes for this; a counter needs < 1 s
    expect(elapsedMs).toBeLessThan(2_000);
  });

  it('sweeps expired windows', async () => {
    await hit('a');
    await hit('b');
    jest.advanceTimersByTime(61_000);
    expect(storage.size).toBe(0);
  });
});
