import type { OperationMetadata } from './operation.decorator';
import type { RequestContext } from './request-context';

/** What is fixed per route: whether a hook applies is decided once per handler, not per request. */
export interface RouteFacts {
  /** The route's declared HTTP method. */
  method: string;
  /** The route template (`/v1/casefiles/:id`). */
  route: string;
  operation: OperationMetadata;
  /** @Public(): no actor is ever identified on it. */
  isPublic: boolean;
  /** The route's handler, for a hook that reads metadata of its own from it. */
  handler: object;
}

/**
 * A cross-cutting step the RequestHub runs around every operation. Hooks are listed once, in
 * order, under REQUEST_HOOKS (CoreModule.forRoot({hooks}) in app.module.ts); adding one never touches the interceptor.
 *
 * - `appliesTo` decides, once per route, whether the hook runs on it (default: always); the
 *   names of the hooks that apply become `meta.hooks`.
 * - `pre` runs before the handler, `post` after it inside the operation's transaction (a throw
 *   there rolls the change back), `error` after a failure and after the rollback, `replayed`
 *   when an Idempotency-Key replay answered instead of the handler (after `pre`: a replay meets
 *   the same checks as the request).
 */
export interface RequestHook {
  readonly name: string;
  appliesTo?(route: RouteFacts): boolean;
  pre?(ctx: RequestContext): Promise<void> | void;
  post?(ctx: RequestContext, result: unknown): Promise<void> | void;
  error?(ctx: RequestContext, error: unknown): Promise<void> | void;
  /**
   * After `pre`, instead of the handler: the request was answered from its Idempotency-Key record
   * with `status` (nothing ran, nothing changed). What `pre` took, this gives back.
   */
  replayed?(ctx: RequestContext, status: number): Promise<void> | void;
}

export const REQUEST_HOOKS = Symbol('REQUEST_HOOKS');
