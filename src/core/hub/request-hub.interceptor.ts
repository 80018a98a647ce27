import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
  type NestInterceptor,
  StreamableFile,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
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
import { successEnvelope } from '../http/envelope';
import { isMutating } from '../http/http-methods';
import { responseModeOf, type SseEvent, toSseStream } from '../http/event-stream';
import type { Actor } from './actor';
import { requestIdOf } from '../http/request-id';
import { runAfterCommit } from './after-commit';
import { OPERATION_METADATA, type OperationMetadata } from './operation.decorator';
import { buildMeta, type HubClsStore, type RequestContext } from './request-context';
import { REQUEST_HOOKS, type RequestHook } from './request-hook';

/**
 * The matched route template (`/v1/casefiles/:id`). A wildcard path is the catch-all middleware
 * mount, not a route of ours (no handler uses wildcards): the request matched no route.
 */
export function routeTemplateOf(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  const path = route?.path;
  return typeof path === 'string' && !path.includes('{*') ? path : '<unmatched>';
}

/**
 * The RequestHub (ARCHITECTURE §2.1): builds the request context, runs the hooks around the
 * handler, opens the transaction for mutating operations and wraps the result in the envelope.
 */
@Injectable()
export class RequestHubInterceptor implements NestInterceptor {
  private readonly logger = new Logger('RequestHub');

  constructor(
    private readonly reflector: Reflector,
    private readonly cls: ClsService<HubClsStore>,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    @Inject(REQUEST_HOOKS) private readonly hooks: readonly RequestHook[],
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler<unknown>): Observable<unknown> {
    if (execution.getType() !== 'http') return next.handle();
    const operation = this.reflector.get<OperationMetadata | undefined>(
      OPERATION_METADATA,
      execution.getHandler(),
    );
    if (!operation) {
      // Fail closed: a route without an operation has no name for audit, metrics or the envelope.
      throw new Error(
        `${execution.getClass().name}.${execution.getHandler().name} has no @Operation()`,
      );
    }
    const http = execution.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const declaredStatus = this.reflector.get<number | undefined>(
      HTTP_CODE_METADATA,
      execution.getHandler(),
    );
    const ctx = this.buildContext(
      req,
      operation,
      declaredStatus ?? (req.method === 'POST' ? 201 : 200),
    );
    const hooks = this.hooks.filter((hook) => hook.appliesTo?.(ctx) ?? true);
    ctx.hooks = hooks.map((hook) => hook.name);
    this.cls.set('requestContext', ctx);

    if (operation.envelope === false) return this.passThrough(ctx, hooks, next);
    if (ctx.responseMode === 'sse') return this.stream(ctx, hooks, next, res);
    const transactional = operation.transaction ?? isMutating(req.method);
    // @HttpCode is applied after the interceptor; a handler may also set 204 itself.
    const noContent = declaredStatus === 204;
    return defer(async () => {
      const data = await this.run(ctx, hooks, next, transactional);
      if (noContent || res.statusCode === 204) return undefined;
      return successEnvelope(data, buildMeta(ctx.requestId, ctx));
    });
  }

  private buildContext(
    req: Request,
    operation: OperationMetadata,
    successStatus: number,
  ): RequestContext {
    return {
      requestId: requestIdOf(req),
      actor: req.user as Actor | undefined,
      operation: operation.name,
      options: operation,
      params: { ...(req.params as Record<string, string>) },
      responseMode: responseModeOf(operation, req),
      method: req.method,
      route: routeTemplateOf(req),
      startedAt: performance.now(),
      ip: req.ip,
      userAgent: req.headers['user-agent'],
      hooks: [],
      successStatus,
      afterCommit: [],
    };
  }

  private async run(
    ctx: RequestContext,
    hooks: readonly RequestHook[],
    next: CallHandler<unknown>,
    transactional: boolean,
  ): Promise<unknown> {
    try {
      for (const hook of hooks) await hook.pre?.(ctx);
      const execute = async (): Promise<unknown> => {
        const result = await lastValueFrom(next.handle(), { defaultValue: undefined });
        for (const hook of hooks) await hook.post?.(ctx, result);
        return result;
      };
      const result = transactional ? await this.txHost.withTransaction(execute) : await execute();
      await runAfterCommit(ctx, this.logger);
      return result;
    } catch (error) {
      await this.runErrorHooks(ctx, hooks, error);
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
      let events: AsyncIterable<SseEvent>;
      try {
        for (const hook of hooks) await hook.pre?.(ctx);
        events = (await lastValueFrom(next.handle())) as AsyncIterable<SseEvent>;
      } catch (error) {
        await this.runErrorHooks(ctx, hooks, error);
        throw error;
      }
      let failure: unknown;
      const body = toSseStream(events, {
        onError: (error) => {
          failure = error;
          const { code, message, details } = toDomainError(error, {
            method: ctx.method,
            path: ctx.route,
          });
          if (code === 'SYS_INTERNAL') this.logger.error({ err: error }, 'stream failed');
          return Promise.resolve({ code, message, ...(details && { details }) });
        },
        onEnd: async (failed) => {
          if (failed) return this.runErrorHooks(ctx, hooks, failure);
          try {
            for (const hook of hooks) await hook.post?.(ctx, undefined);
          } catch (error) {
            // the stream is already answered: a failing post hook is an error hook's business
            this.logger.error({ err: error }, 'request hook failed after a stream');
            return this.runErrorHooks(ctx, hooks, error);
          }
          await runAfterCommit(ctx, this.logger);
        },
      });
      res.status(200).setHeader('Cache-Control', 'no-cache').setHeader('X-Accel-Buffering', 'no');
      return new StreamableFile(body, { type: 'text/event-stream' });
    });
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
