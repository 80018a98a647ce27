import { createHash } from 'node:crypto';
import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { defer, lastValueFrom, type Observable } from 'rxjs';
import { requestIdOf } from '../http/request-id';
import { callerKeyOf } from '../http/caller-key';
import { routeTemplateOf } from '../hub/request-hub.interceptor';
import {
  IdempotencyInProgressError,
  IdempotencyKeyReusedError,
  InvalidIdempotencyKeyError,
  StreamNotIdempotentError,
} from './idempotency.errors';
import { responseModeOf } from '../http/event-stream';
import { OPERATION_METADATA, type OperationMetadata } from '../hub/operation.decorator';
import { IdempotencyStore } from './idempotency.store';
import { IDEMPOTENT } from './idempotent.decorator';

/** A hash of the body that ignores key order, so `{a,b}` and `{b,a}` are the same request. */
function hashBody(body: unknown): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
          )
        : value;
  return createHash('sha256')
    .update(JSON.stringify(canonical(body ?? null)))
    .digest('hex');
}

/**
 * Idempotency-Key for @Idempotent() routes, registered before the RequestHub so that it wraps
 * it: a replay answers the stored envelope without running the handler, its transaction or its
 * audit event. Keys are scoped per user (per client IP when anonymous) and route.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');

  constructor(
    private readonly reflector: Reflector,
    private readonly store: IdempotencyStore,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler<unknown>): Observable<unknown> {
    if (execution.getType() !== 'http') return next.handle();
    if (!this.reflector.get<boolean | undefined>(IDEMPOTENT, execution.getHandler())) {
      return next.handle();
    }
    const req = execution.switchToHttp().getRequest<Request>();
    const res = execution.switchToHttp().getResponse<Response>();
    const header = req.headers['idempotency-key'];
    if (header === undefined) return next.handle();
    if (typeof header !== 'string' || header.length < 1 || header.length > 255) {
      throw new InvalidIdempotencyKeyError();
    }
    const operation = this.reflector.get<OperationMetadata | undefined>(
      OPERATION_METADATA,
      execution.getHandler(),
    );
    if (responseModeOf(operation, req) === 'sse') throw new StreamNotIdempotentError();
    const scope = callerKeyOf(req);
    const route = `${req.method} ${routeTemplateOf(req)}`;
    return defer(async () => {
      const outcome = await this.store.claim(scope, route, header, hashBody(req.body));
      switch (outcome.kind) {
        case 'in_progress':
          throw new IdempotencyInProgressError();
        case 'reused':
          throw new IdempotencyKeyReusedError();
        case 'replay':
          res.status(outcome.status).setHeader('Idempotent-Replayed', 'true');
          return withRequestId(outcome.body, requestIdOf(req));
        case 'claimed': {
          // @HttpCode is applied after interceptors: the route's declared status is the one sent
          const status =
            this.reflector.get<number | undefined>(HTTP_CODE_METADATA, execution.getHandler()) ??
            201;
          return this.runAndStore(next, status, { scope, route, key: header });
        }
      }
    });
  }

  private async runAndStore(
    next: CallHandler<unknown>,
    status: number,
    claim: { scope: string; route: string; key: string },
  ): Promise<unknown> {
    let body: unknown;
    try {
      body = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (error) {
      await this.store
        .release(claim.scope, claim.route, claim.key)
        .catch((releaseError: unknown) => {
          this.logger.error({ err: releaseError }, 'could not release an idempotency key');
        });
      throw error;
    }
    await this.store.complete(claim.scope, claim.route, claim.key, status, body);
    return body;
  }
}

/** The stored envelope, answered under the current request's id. */
function withRequestId(body: unknown, requestId: string): unknown {
  if (!body || typeof body !== 'object' || !('meta' in body)) return body;
  const envelope = body as { meta: Record<string, unknown> };
  return { ...envelope, meta: { ...envelope.meta, request_id: requestId } };
}
