import { type ExecutionContext, Injectable } from '@nestjs/common';
import {
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerOptions,
} from '@nestjs/throttler';
import {
  THROTTLER_BLOCK_DURATION,
  THROTTLER_LIMIT,
  THROTTLER_SKIP,
  THROTTLER_TTL,
} from '@nestjs/throttler/dist/throttler.constants';
import type { Request } from 'express';
import { TooManyRequestsError } from '../../platform/errors/domain-error';
import { callerKeyOf } from '../http/caller-key';

/** One named limit as it applies to one route. */
interface RouteLimit {
  throttler: ThrottlerOptions;
  limit: number;
  ttl: number;
  blockDuration: number;
}

/**
 * API.md §1.3: counts per user (per client IP when anonymous or not authenticated), across all
 * routes, not per route (throttler keys by handler unless told otherwise). Runs after the auth
 * guard has identified the caller and before any authorization error is raised, so failed
 * authentications are limited too.
 *
 * Which limits apply to a route, and their numbers, are worked out on the route's first request
 * and kept (the base guard re-reads a dozen metadata keys on every request). So `skipIf`, limits
 * and TTLs must depend on the route only — numbers and route metadata, as in RateLimitModule.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly routeLimits = new WeakMap<object, RouteLimit[]>();

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    for (const route of this.limitsOf(context)) {
      await this.handleRequest({
        context,
        ...route,
        getTracker: this.commonOptions.getTracker!,
        generateKey: this.commonOptions.generateKey!,
      });
    }
    return true;
  }

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

  private limitsOf(context: ExecutionContext): RouteLimit[] {
    const handler = context.getHandler();
    const known = this.routeLimits.get(handler);
    if (known) return known;
    const targets = [handler, context.getClass()];
    const read = <T>(key: string, throttler: ThrottlerOptions) =>
      this.reflector.getAllAndOverride<T | undefined>(key + throttler.name, targets);
    const limits: RouteLimit[] = [];
    for (const throttler of this.throttlers) {
      if (read<boolean>(THROTTLER_SKIP, throttler) || throttler.skipIf?.(context)) continue;
      const limit = read<unknown>(THROTTLER_LIMIT, throttler) ?? throttler.limit;
      const ttl = read<unknown>(THROTTLER_TTL, throttler) ?? throttler.ttl;
      const blockDuration =
        read<unknown>(THROTTLER_BLOCK_DURATION, throttler) ?? throttler.blockDuration ?? ttl;
      if (
        typeof limit !== 'number' ||
        typeof ttl !== 'number' ||
        typeof blockDuration !== 'number'
      ) {
        throw new Error(
          `rate limit "${throttler.name}": limit, ttl and blockDuration must be numbers`,
        );
      }
      limits.push({ throttler, limit, ttl, blockDuration });
    }
    this.routeLimits.set(handler, limits);
    return limits;
  }
}
