import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  installLeanAsyncResourceBind,
  leanAsyncResourceBind,
  nodeAsyncResourceBind,
} from './lean-async-bind';

type Bind = ReturnType<typeof nodeAsyncResourceBind>;
type Callable = Parameters<Bind>[0];

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options: { type: 'minor' | 'major' }) => void;

const oldSpaceUsed = () =>
  getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')?.space_used_size ?? 0;

const CALLS = 2_000;

/**
 * Bytes moved to the old generation by two scavenges after CALLS functions were bound, called
 * once and dropped, each reaching about 1 KB: what the young-generation collector kept alive.
 */
function promotedAfterBinding(bind: Bind): number {
  gc({ type: 'major' });
  const before = oldSpaceUsed();
  for (let i = 0; i < CALLS; i++) {
    const payload = Array.from({ length: 32 }, (_, k) => ({ k }));
    bind.call(new AsyncResource('test'), () => payload.length)();
  }
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  return oldSpaceUsed() - before;
}

describe('leanAsyncResourceBind', () => {
  it("is what AsyncResource binds with once installed, and installing twice keeps Node's", () => {
    installLeanAsyncResourceBind();
    const node = nodeAsyncResourceBind();
    installLeanAsyncResourceBind();
    expect(nodeAsyncResourceBind()).toBe(node);
    // Jest loads this module once per test file: the installed one may be another file's copy
    expect(String(Reflect.get(AsyncResource.prototype, 'bind'))).toBe(
      String(leanAsyncResourceBind),
    );
    expect(String(node)).not.toBe(String(leanAsyncResourceBind));
  });

  it('runs the function in the async context it was bound in, with its this and arguments', () => {
    const storage = new AsyncLocalStorage<string>();
    const bound = storage.run('bound here', () =>
      leanAsyncResourceBind.call(new AsyncResource('test'), function (this: unknown, ...args) {
        const [a, b] = args as [number, number];
        return { store: storage.getStore(), self: this, sum: a + b };
      }),
    );
    const self = { name: 'caller' };
    const result = storage.run('called here', () => bound.call(self, 2, 3));
    expect(result).toEqual({ store: 'bound here', self, sum: 5 });
  });

  it('binds thisArg when given, and keeps length and asyncResource', () => {
    const resource = new AsyncResource('test');
    const bound = leanAsyncResourceBind.call(
      resource,
      function (this: unknown, _a: unknown, _b: unknown) {
        return (this as { n: number }).n;
      },
      { n: 7 },
    );
    expect(bound(0, 0)).toBe(7);
    expect(bound.length).toBe(2);
    expect((bound as unknown as { asyncResource: AsyncResource }).asyncResource).toBe(resource);
  });

  it('refuses what is not a function', () => {
    const resource = new AsyncResource('test');
    expect(() => leanAsyncResourceBind.call(resource, 42 as unknown as Callable)).toThrow(
      'The "fn" argument must be of type function',
    );
  });

  it("leaves what a dropped bound function reached to the scavenger (Node's own bind does not)", () => {
    // ours first: once V8 sees the payloads survive (Node's), it may allocate them old from then on
    expect(promotedAfterBinding(leanAsyncResourceBind)).toBeLessThan(CALLS * 50);
    // Node's: about everything the functions reached (~1 KB each) is promoted
    expect(promotedAfterBinding(nodeAsyncResourceBind())).toBeGreaterThan(CALLS * 1024);
  });
});
