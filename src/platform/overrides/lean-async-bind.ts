import { AsyncResource } from 'node:async_hooks';

type Callable = (this: unknown, ...args: unknown[]) => unknown;
type Bind = (this: AsyncResource, fn: Callable, thisArg?: unknown) => Callable;

/** Where the replaced `bind` is kept (per process: Jest loads this module once per test file). */
const NODE_BIND = Symbol.for('casefile-hub.nodeAsyncResourceBind');

const bindOf = (prototype: object, key: PropertyKey) =>
  Reflect.get(prototype, key) as Bind | undefined;

/** Node's own `AsyncResource#bind`, whether or not the lean one is installed (for its tests). */
export function nodeAsyncResourceBind(): Bind {
  const prototype = AsyncResource.prototype;
  return (bindOf(prototype, NODE_BIND) ?? bindOf(prototype, 'bind')) as Bind;
}

/** `fn` run in `resource`'s async scope, with the caller's `this` and arguments. */
function inScopeOf(resource: AsyncResource, fn: Callable): Callable {
  return function (this: unknown, ...args: unknown[]): unknown {
    return resource.runInAsyncScope(fn, this, ...args);
  };
}

/**
 * Replaces Node's `AsyncResource#bind` with one that does the same thing but leaves bound
 * functions collectable by V8's young-generation collector.
 *
 * Node 24's `bind` gives every bound function its own `asyncResource` accessor (deprecated,
 * DEP0172), a getter and a setter made fresh for that call. V8 keeps accessors in an object's
 * hidden class, so every bound function gets a hidden class of its own; hidden classes live in
 * the old generation, and a scavenge treats whatever old objects point to as alive. So everything
 * a bound function can reach (the request, its response, the handler's data) survived every
 * scavenge and was promoted, to be freed only by a full collection. Nest binds two functions per
 * interceptor call, i.e. per request: scavenges took 22–47 ms under 300 req/s instead of 1–3 ms
 * (docs/benchmarks.md).
 *
 * This `bind` runs `fn` in the resource's async scope with `this` and the arguments passed on,
 * keeps `length`, and exposes `asyncResource` as a plain data property: data properties share
 * one hidden class whatever their values. Installed once per process, before the app serves.
 * Node 26's own `bind` no longer defines that accessor (checked with 26.10.0): on moving to it,
 * this file can go.
 */
export function installLeanAsyncResourceBind(): void {
  const prototype = AsyncResource.prototype;
  if (bindOf(prototype, NODE_BIND)) return;
  Object.defineProperty(prototype, NODE_BIND, { value: bindOf(prototype, 'bind') });
  Object.defineProperty(prototype, 'bind', {
    configurable: true,
    writable: true,
    value: leanAsyncResourceBind,
  });
}

/** The `bind` installed by installLeanAsyncResourceBind (exported for its tests). */
export const leanAsyncResourceBind: Bind = function (
  this: AsyncResource,
  fn: Callable,
  thisArg?: unknown,
) {
  if (typeof fn !== 'function') {
    throw new TypeError('The "fn" argument must be of type function');
  }
  const bound = thisArg === undefined ? inScopeOf(this, fn) : inScopeOf(this, fn.bind(thisArg));
  Object.defineProperty(bound, 'length', { configurable: true, value: fn.length });
  Object.defineProperty(bound, 'asyncResource', {
    configurable: true,
    enumerable: true,
    writable: true,
    value: this,
  });
  return bound;
};
