import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
  type NestInterceptor,
  StreamableFile,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { PipelinedTypeOrmAdapter } from '../../platform/overrides/pipelined-transactions';
import type { Request, Response } from 'express';
import { ClsService } from 'nestjs-cls';
import {
  catchError,
  concat,
  defer,
  ignoreElements,
  lastValueFrom,
  type Observable,
  switchMap,
  tap,
  throwError,
} from 'rxjs';
import { toDomainError } from '../errors/all-exceptions.filter';
import { DatabaseUnavailableError } from '../../platform/errors/system.errors';
import { DatabaseBreaker } from '../../platform/database/database-breaker';
import { abandonableDatabaseWork } from '../../platform/database/sql';
import { successEnvelope } from '../http/envelope';
import { SSE_HEADERS, type SseEvent, toSseStream } from '../http/event-stream';
import { AppConfig } from '../../config/app-config';
import { runAfterCommit } from './after-commit';
import { contextOf, RoutePlans } from './route-plan';
import { buildMeta, type HubClsStore, type RequestContext } from './request-context';
import { REQUEST_HOOKS, type RequestHook } from './request-hook';
import { Idempotency, withRequestId } from '../idempotency/idempotency';
import { StreamNotIdempotentError } from '../idempotency/idempotency.errors';

/** The headers the request's hooks asked for (`X-Session-Id`: API.md §5.3). */
function setHeaders(res: Response, headers: Record<string, string> | undefined): void {
  if (headers) for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

/**
 * The RequestHub (ARCHITECTURE §2.1), the one application interceptor: builds the request
 * context, answers Idempotency-Key replays, runs the hooks around the handler, opens the
 * transaction for mutating operations and wraps the result in the envelope.
 */
@Injectable()
export class RequestHubInterceptor implements NestInterceptor {
  private readonly logger = new Logger('RequestHub');
  private readonly plans: RoutePlans;

  constructor(
    private readonly reflector: Reflector,
    private readonly cls: ClsService<HubClsStore>,
    private readonly txHost: TransactionHost<PipelinedTypeOrmAdapter>,
    @Inject(REQUEST_HOOKS) private readonly hooks: readonly RequestHook[],
    private readonly idempotency: Idempotency,
    private readonly breaker: DatabaseBreaker,
    private readonly config: AppConfig,
  ) {
    this.plans = new RoutePlans(reflector, hooks);
  }

  intercept(execution: ExecutionContext, next: CallHandler<unknown>): Observable<unknown> {
    if (execution.getType() !== 'http') return next.handle();
    const http = execution.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const plan = this.plans.of(execution, req);
    const ctx = contextOf(req, plan);

    if (plan.operation.envelope === false) {
      this.cls.set('work', ctx);
      return this.passThrough(ctx, plan.hooks, next);
    }
    const key = plan.idempotent ? this.idempotency.keyOf(req) : undefined;
    if (ctx.responseMode === 'sse') {
      if (key !== undefined) throw new StreamNotIdempotentError();
      this.cls.set('work', ctx);
      return this.stream(ctx, plan.hooks, next, res);
    }
    return defer(async () => {
      this.cls.set('work', ctx);
      await this.runPre(ctx, plan.hooks);
      // after the hooks' checks (session, access): a replay never skips what the request would meet
      const claim =
        key === undefined
          ? undefined
          : await this.idempotency
              // what the token binds, not what this request resolved: a retry after its session
              // expired (and was replaced) is the same request, and replays
              .claim(req, key, {
                boundTo: ctx.actor?.bound?.scope,
                secretFields: plan.secretFields,
              })
              .catch(async (error: unknown) => {
                await this.runErrorHooks(ctx, plan.hooks, error);
                throw error;
              });
      if (claim?.replay) {
        await this.runReplayedHooks(ctx, plan.hooks, claim.replay.status);
        res.status(claim.replay.status).setHeader('Idempotent-Replayed', 'true');
        return withRequestId(claim.replay.body, ctx.requestId);
      }
      let body: unknown;
      try {
        const data = await this.run(ctx, plan.hooks, next, plan.transactional);
        setHeaders(res, ctx.responseHeaders);
        // @HttpCode is applied after the interceptor; a handler may also set 204 itself.
        body =
          plan.noContent || res.statusCode === 204
            ? undefined
            : successEnvelope(data, buildMeta(ctx.requestId, ctx));
      } catch (error) {
        await claim?.release();
        throw error;
      }
      await claim?.complete(plan.successStatus, body);
      return body;
    });
  }

  /** The hooks' `pre`, in order; a refusal there runs the error hooks and is the answer. */
  private async runPre(ctx: RequestContext, hooks: readonly RequestHook[]): Promise<void> {
    try {
      for (const hook of hooks) await hook.pre?.(ctx);
    } catch (error) {
      await this.runErrorHooks(ctx, hooks, error);
      throw error;
    }
  }

  /** The handler (in its transaction) and the post hooks, after `runPre`. */
  private async run(
    ctx: RequestContext,
    hooks: readonly RequestHook[],
    next: CallHandler<unknown>,
    transactional: boolean,
  ): Promise<unknown> {
    try {
      const execute = async (): Promise<unknown> => {
        const result = await lastValueFrom(next.handle(), { defaultValue: undefined });
        for (const hook of hooks) await hook.post?.(ctx, result);
        return result;
      };
      const result = transactional ? await this.inTransaction(execute) : await execute();
      await runAfterCommit(ctx, this.logger);
      return result;
    } catch (error) {
      await this.runErrorHooks(ctx, hooks, error);
      throw error;
    }
  }

  /**
   * A transaction that cannot even begin while the database is not answering is refused at once;
   * one already waiting is answered 503 when the breaker opens, and marked abandoned so that
   * whatever it still runs when the database returns fails and rolls it back.
   */
  private async inTransaction(execute: () => Promise<unknown>) {
    this.breaker.assertAvailable();
    // marked before the transaction opens its nested context, so that context sees an abandonment
    const work = abandonableDatabaseWork();
    try {
      return await this.breaker.guard(this.txHost.withTransaction(execute));
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) work.abandon();
      throw error;
    }
  }

  /**
   * Non-JSON answers (metrics text, SSE) keep their stream: hooks still run, nothing is wrapped
   * and no transaction spans the stream.
   */
  private passThrough(
    ctx: RequestContext,
    hooks: readonly RequestHook[],
    next: CallHandler<unknown>,
  ): Observable<unknown> {
    let last: unknown;
    const runPre = defer(async () => {
      for (const hook of hooks) await hook.pre?.(ctx);
    });
    const runPost = defer(async () => {
      for (const hook of hooks) await hook.post?.(ctx, last);
    });
    return runPre.pipe(
      switchMap(() => next.handle()),
      tap((value) => (last = value)),
      (stream) => concat(stream, runPost.pipe(ignoreElements())),
      catchError((error: unknown) =>
        defer(() => this.runErrorHooks(ctx, hooks, error)).pipe(
          switchMap(() => throwError(() => error)),
        ),
      ),
    );
  }

  /**
   * An answer as Server-Sent Events. Pre hooks and the handler's set-up run first, so a refusal
   * (404, 403, 409) is still a JSON error envelope; once the stream starts, a failure is its
   * `error` event. No transaction spans the stream (handlers commit their own short ones); post
   * or error hooks run when it ends, also when the client went away.
   */
  private stream(
    ctx: RequestContext,
    hooks: readonly RequestHook[],
    next: CallHandler<unknown>,
    res: Response,
  ): Observable<unknown> {
    return defer(async () => {
      const store = this.cls.get();
      let events: AsyncIterable<SseEvent>;
      try {
        for (const hook of hooks) await hook.pre?.(ctx);
        events = (await lastValueFrom(next.handle())) as AsyncIterable<SseEvent>;
      } catch (error) {
        await this.runErrorHooks(ctx, hooks, error);
        throw error;
      }
      const body = toSseStream(events, {
        heartbeatMs: this.config.sseHeartbeatMs,
        onError: (error) => {
          const { code, message, details } = toDomainError(error, {
            method: ctx.method,
            path: ctx.route,
          });
          if (code === 'SYS_INTERNAL') this.logger.error({ err: error }, 'stream failed');
          return Promise.resolve({ code, message, ...(details && { details }) });
        },
        // the stream ends wherever the socket's callbacks run: hooks see the request's CLS context
        onEnd: (failed, failure) =>
          this.cls.runWith(store, () => this.endStream(ctx, hooks, failed, failure)),
      });
      res.status(200);
      for (const [name, value] of Object.entries(SSE_HEADERS)) res.setHeader(name, value);
      setHeaders(res, ctx.responseHeaders);
      return new StreamableFile(body, { type: 'text/event-stream' });
    });
  }

  /** After a stream: the post hooks, or the error hooks when it failed (or a post hook did). */
  private async endStream(
    ctx: RequestContext,
    hooks: readonly RequestHook[],
    failed: boolean,
    failure: unknown,
  ): Promise<void> {
    if (failed) return this.runErrorHooks(ctx, hooks, failure);
    try {
      for (const hook of hooks) await hook.post?.(ctx, undefined);
    } catch (error) {
      // the stream is already answered: a failing post hook is an error hook's business
      this.logger.error({ err: error }, 'request hook failed after a stream');
      return this.runErrorHooks(ctx, hooks, error);
    }
    await runAfterCommit(ctx, this.logger);
  }

  /** A replay answered instead of the handler: each hook gives back what its `pre` took. */
  private async runReplayedHooks(
    ctx: RequestContext,
    hooks: readonly RequestHook[],
    status: number,
  ): Promise<void> {
    for (const hook of hooks) {
      try {
        await hook.replayed?.(ctx, status);
      } catch (error) {
        this.logger.error({ err: error, hook: hook.name }, 'request hook failed in replayed()');
      }
    }
  }

  /** Error hooks observe a failure; one that fails itself is logged and never hides the original. */
  private async runErrorHooks(
    ctx: RequestContext,
    hooks: readonly RequestHook[],
    error: unknown,
  ): Promise<void> {
    for (const hook of hooks) {
      try {
        await hook.error?.(ctx, error);
      } catch (hookError) {
        this.logger.error({ err: hookError, hook: hook.name }, 'request hook failed in error()');
      }
    }
  }
}
