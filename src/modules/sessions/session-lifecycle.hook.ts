import { Injectable } from '@nestjs/common';
import { pathIdsOf } from '../../core/http/id.param';
import type { RequestContext } from '../../core/hub/request-context';
import type { RequestHook, RouteFacts } from '../../core/hub/request-hook';
import { SessionResolver } from './session-resolver';

/**
 * The `session_lifecycle` hook (ARCHITECTURE §2.1) on every operation declared with
 * `@Operation(…, {session})`: before the handler it resolves the session — access, expiry when due,
 * recreation for a bound token, the busy lease for a `run` — and puts it in the context
 * (`meta.session_id`, `meta.session_recreated`, `@CurrentSession()`); after success it moves the
 * creator's activity forward (with the COMMIT), after a failure it releases the lease at once.
 */
@Injectable()
export class SessionLifecycleHook implements RequestHook {
  readonly name = 'session_lifecycle';

  constructor(private readonly sessions: SessionResolver) {}

  appliesTo(route: RouteFacts): boolean {
    return route.operation.session !== undefined;
  }

  async pre(ctx: RequestContext): Promise<void> {
    const operation = ctx.options.session;
    if (!operation || !ctx.actor) return;
    // checked here: the handler's @PathId() runs only after this hook
    const id = operation.bound ? undefined : pathIdsOf(ctx.params, ['id']).id;
    const resolved = await this.sessions.resolve(ctx.actor, operation, id);
    ctx.session = resolved.session;
    ctx.sessionId = resolved.session.id;
    ctx.sessionLease = resolved.lease;
    if (resolved.recreated) ctx.sessionRecreated = true;
  }

  async post(ctx: RequestContext): Promise<void> {
    if (ctx.session && ctx.actor) {
      await this.sessions.afterSuccess(ctx.session, ctx.actor, ctx.sessionLease);
    }
  }

  async error(ctx: RequestContext): Promise<void> {
    if (ctx.sessionId) await this.sessions.afterFailure(ctx.sessionId, ctx.sessionLease);
  }

  /** A replay ran nothing in the session: its lease is released, its activity not moved. */
  async replayed(ctx: RequestContext): Promise<void> {
    if (ctx.sessionId) await this.sessions.afterFailure(ctx.sessionId, ctx.sessionLease);
  }
}
