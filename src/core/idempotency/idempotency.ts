import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { callerKeyOf } from '../http/caller-key';
import {
  IdempotencyInProgressError,
  IdempotencyKeyReusedError,
  InvalidIdempotencyKeyError,
} from './idempotency.errors';
import { IdempotencyStore } from './idempotency.store';

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

/** The outcome of claiming a key: answer a stored response, or run and then store or release. */
export type IdempotencyClaim =
  | { replay: { status: number; body: unknown } }
  | {
      replay?: undefined;
      complete(status: number, body: unknown): Promise<void>;
      release(): Promise<void>;
    };

/**
 * `Idempotency-Key` on @Idempotent() operations (API.md §1.3), used by the RequestHub before it
 * runs the handler, after the hooks' checks: a replay answers the stored envelope without the
 * handler or its transaction, once the request has met the checks it would (session, access).
 * Keys are scoped per caller (user, or client IP when anonymous) and path.
 */
@Injectable()
export class Idempotency {
  private readonly logger = new Logger('Idempotency');

  constructor(private readonly store: IdempotencyStore) {}

  /** The request's key, undefined without the header; a malformed one is refused. */
  keyOf(req: Request): string | undefined {
    const header = req.headers['idempotency-key'];
    if (header === undefined) return undefined;
    if (typeof header !== 'string' || header.length < 1 || header.length > 255) {
      throw new InvalidIdempotencyKeyError();
    }
    return header;
  }

  /**
   * One statement decides who runs; the others replay, wait (409) or are refused (422). A key is
   * the caller's on one path — with its ids, and what its token is bound to — so the same key sent
   * to another resource is another request. A stored answer keeps no `secretFields`.
   */
  async claim(
    req: Request,
    key: string,
    options: { boundTo?: string; secretFields?: readonly string[] } = {},
  ): Promise<IdempotencyClaim> {
    const scope = callerKeyOf(req);
    const bound = options.boundTo === undefined ? '' : ` ${options.boundTo}`;
    const scopedRoute = `${req.method} ${req.path}${bound}`;
    const outcome = await this.store.claim(scope, scopedRoute, key, hashBody(req.body));
    switch (outcome.kind) {
      case 'in_progress':
        throw new IdempotencyInProgressError();
      case 'reused':
        throw new IdempotencyKeyReusedError();
      case 'replay':
        return { replay: { status: outcome.status, body: outcome.body } };
      case 'claimed':
        return {
          complete: (status, body) =>
            this.store.complete(scope, scopedRoute, key, status, withoutSecrets(body, options)),
          release: () =>
            this.store.release(scope, scopedRoute, key).catch((error: unknown) => {
              this.logger.error({ err: error }, 'could not release an idempotency key');
            }),
        };
    }
  }
}

/** An envelope as it is stored: its `data`'s secret fields set to null. */
function withoutSecrets(body: unknown, options: { secretFields?: readonly string[] }): unknown {
  const fields = options.secretFields ?? [];
  if (fields.length === 0 || !body || typeof body !== 'object' || !('data' in body)) return body;
  const envelope = body;
  if (!envelope.data || typeof envelope.data !== 'object') return body;
  const data = { ...(envelope.data as Record<string, unknown>) };
  for (const field of fields) if (field in data) data[field] = null;
  return { ...envelope, data };
}

/** A stored envelope, answered under the current request's id. */
export function withRequestId(body: unknown, requestId: string): unknown {
  if (!body || typeof body !== 'object' || !('meta' in body)) return body;
  const envelope = body as { meta: Record<string, unknown> };
  return { ...envelope, meta: { ...envelope.meta, request_id: requestId } };
}
