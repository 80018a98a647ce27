import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Request } from 'express';
import { TooManyRequestsError } from '../errors/domain-error';
import { callerKeyOf } from '../http/caller-key';

/**
 * API.md §1.3: counts per user (per client IP when anonymous or not authenticated), across all
 * routes, not per route (throttler keys by handler unless told otherwise). Runs after the auth
 * guard has identified the caller and before any authorization error is raised, so failed
 * authentications are limited too.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override getTracker(req: Request): Promise<string> {
    return Promise.resolve(callerKeyOf(req));
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new TooManyRequestsError(
      'RATE_LIMIT_EXCEEDED',
      'Too many requests; slow down',
      Math.max(1, detail.timeToBlockExpire),
      { limit: detail.limit, window_seconds: Math.round(detail.ttl / 1000) },
    );
  }
}
