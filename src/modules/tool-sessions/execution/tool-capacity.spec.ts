import { ToolCapacityError } from '../tool-sessions.errors';
import { type CapacityLimits, type ReleaseSlot, ToolCapacity } from './tool-capacity';

const LIMITS: CapacityLimits = {
  slots: 2,
  perUser: 1,
  perUserWaiting: 2,
  waiting: 3,
  maxWaitMs: 10_000,
};

/** Settles what is already due: granted slots resolve in microtasks. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

/** Tracks the order slots are granted in. */
function tracker(capacity: ToolCapacity) {
  const granted: string[] = [];
  const releases = new Map<string, ReleaseSlot>();
  const ask = (user: string, run: string) =>
    capacity.acquire(user).then(
      (release) => {
        granted.push(run);
        releases.set(run, release);
      },
      // a waiter still in line when its test ends is refused later: never an unhandled rejection
      () => undefined,
    );
  return { granted, ask, release: (run: string) => releases.get(run)?.() };
}

describe('ToolCapacity', () => {
  it('starts runs at once while slots and the user share allow', async () => {
    const capacity = new ToolCapacity(LIMITS);
    const t = tracker(capacity);
    await Promise.all([t.ask('a', 'a1'), t.ask('b', 'b1')]);
    expect(t.granted).toEqual(['a1', 'b1']);
    expect(capacity.load).toEqual({ running: 2, waiting: 0 });
  });

  it("serves waiting users in turn: one user's burst never stands before another's run", async () => {
    const capacity = new ToolCapacity({ ...LIMITS, perUser: 2, perUserWaiting: 5, waiting: 10 });
    const t = tracker(capacity);
    void t.ask('a', 'a1');
    void t.ask('a', 'a2');
    await flush();
    void t.ask('a', 'a3');
    void t.ask('a', 'a4');
    void t.ask('b', 'b1'); // comes after a's burst, is served before most of it
    void t.ask('a', 'a5');
    await flush();
    expect(t.granted).toEqual(['a1', 'a2']);
    t.release('a1');
    await flush();
    t.release('a2');
    await flush();
    expect(t.granted).toEqual(['a1', 'a2', 'a3', 'b1']);
  });

  it('keeps each user within its running share while others wait for nothing', async () => {
    const capacity = new ToolCapacity({ ...LIMITS, slots: 4 });
    const t = tracker(capacity);
    void t.ask('a', 'a1');
    void t.ask('a', 'a2');
    void t.ask('b', 'b1');
    await flush();
    // a's second run waits although two slots are free: a has its one
    expect(t.granted).toEqual(['a1', 'b1']);
    t.release('a1');
    await flush();
    expect(t.granted).toEqual(['a1', 'b1', 'a2']);
  });

  it('refuses past the per-user line with TOOL_CAPACITY and Retry-After', async () => {
    const capacity = new ToolCapacity(LIMITS);
    const t = tracker(capacity);
    void t.ask('a', 'a1');
    void t.ask('a', 'a2');
    void t.ask('a', 'a3');
    const refused = capacity.acquire('a');
    await expect(refused).rejects.toBeInstanceOf(ToolCapacityError);
    await expect(refused).rejects.toMatchObject({
      code: 'TOOL_CAPACITY',
      status: 429,
      retryAfterSeconds: 1,
      details: { reason: 'user_queue' },
    });
  });

  it('refuses past the whole queue', async () => {
    const capacity = new ToolCapacity({ ...LIMITS, perUser: 1, waiting: 1 });
    const t = tracker(capacity);
    void t.ask('a', 'a1');
    void t.ask('b', 'b1');
    void t.ask('c', 'c1'); // waits: the one place in line
    await flush();
    await expect(capacity.acquire('d')).rejects.toMatchObject({ details: { reason: 'queue' } });
    expect(capacity.load).toEqual({ running: 2, waiting: 1 });
  });

  it('refuses a run that waited past maxWaitMs, and leaves the line in order', async () => {
    jest.useFakeTimers();
    try {
      const capacity = new ToolCapacity({ ...LIMITS, slots: 1, maxWaitMs: 500 });
      const t = tracker(capacity);
      void t.ask('a', 'a1');
      await Promise.resolve();
      const late = capacity.acquire('b');
      jest.advanceTimersByTime(501);
      await expect(late).rejects.toMatchObject({ details: { reason: 'wait' } });
      expect(capacity.load).toEqual({ running: 1, waiting: 0 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('releases a slot once however often release is called', async () => {
    const capacity = new ToolCapacity(LIMITS);
    const release = await capacity.acquire('a');
    release();
    release();
    expect(capacity.load).toEqual({ running: 0, waiting: 0 });
    await capacity.acquire('b');
    await capacity.acquire('c');
    expect(capacity.load.running).toBe(2);
  });
});
