import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { pathIdsOf } from '../../core/http/id.param';
import type { RequestContext } from '../../core/hub/request-context';
import type { RequestHook, RouteFacts } from '../../core/hub/request-hook';
import { SESSION_SLOT, type SessionSlot } from './current-session.decorator';
import { SessionResolver } from './session-resolver';
import { SESSION_OPERATION, type SessionOperation } from './uses-session.decorator';

/**
 * The `session_lifecycle` hook (ARCHITECTURE §2.1) on every operation declared with
 * `@UsesSession()`: before the handler it resolves the session — access, expiry when due,
 * recreation for a bound token, the busy lease for a `run` — and keeps it in the module's CLS slot
 * (`@CurrentSession()`), answering `meta.session_id`, `meta.session_recreated` and `X-Session-Id`;
 * after success it moves the creator's activity forward (with the COMMIT), after a failure it
 * releases the lease at once.
 */
@Injectable()
export class SessionLifecycleHook implements RequestHook {
  readonly name = 'session_lifecycle';
  /** Per operation (its metadata object, fixed per handler): what it declared. */
  private readonly declared = new WeakMap<object, SessionOperation>();

  constructor(
    private readonly sessions: SessionResolver,
    private readonly cls: ClsService,
  ) {}

  appliesTo(route: RouteFacts): boolean {
    const operation = Reflect.getMetadata(SESSION_OPERATION, route.handler) as
      SessionOperation | undefined;
    if (operation) this.declared.set(route.operation, operation);
    return operation !== undefined;
  }

  async pre(ctx: RequestContext): Promise<void> {
    const operation = this.declared.get(ctx.options);
    if (!operation || !ctx.actor) return;
    // checked here: nothing else reads the path's id before this hook
    const id = operation.bound ? undefined : pathIdsOf(ctx.params, ['id']).id;
    const resolved = await this.sessions.resolve(ctx.actor, operation, id);
    this.cls.set(SESSION_SLOT, {
      session: resolved.session,
      lease: resolved.lease,
    } satisfies SessionSlot);
    // the session the request runs in (a recreated one is new to the client: API.md §5.3)
    ctx.responseMeta = {
      ...ctx.responseMeta,
      session_id: resolved.session.id,
      ...(resolved.recreated && { session_recreated: true }),
    };
    ctx.responseHeaders = { ...ctx.responseHeaders, 'X-Session-Id': resolved.session.id };
  }

  async post(ctx: RequestContext): Promise<void> {
    const slot = this.slot();
    if (slot && ctx.actor) await this.sessions.afterSuccess(slot.session, ctx.actor, slot.lease);
  }

  async error(): Promise<void> {
    const slot = this.slot();
    if (slot) await this.sessions.afterFailure(slot.session.id, slot.lease);
  }

  /** A replay ran nothing in the session: its lease is released, its activity not moved. */
  async replayed(): Promise<void> {
    const slot = this.slot();
    if (slot) await this.sessions.afterFailure(slot.session.id, slot.lease);
  }

  private slot(): SessionSlot | undefined {
    return this.cls.isActive() ? this.cls.get<SessionSlot | undefined>(SESSION_SLOT) : undefined;
  }
}
