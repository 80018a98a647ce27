import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { CACHE_REQUESTS_TOTAL } from '../metrics/metric-names';
import type { CacheStore } from './cache-stores';

export const CACHE_STORE = Symbol('CACHE_STORE');

/**
 * A small key→JSON cache for hot-path lookups (login state, API keys), in Redis with REDIS_URL
 * (shared by every instance), else in process (cache.module.ts chooses the store once). Callers
 * must invalidate on every write they cache.
 *
 * A cache is never a reason to fail a request: when the store does not answer, a read is a miss
 * (the caller goes to the database) and a write is skipped. A lost invalidation is logged as an
 * error: the entry may be stale, for at most its TTL, once Redis is back.
 */
@Injectable()
export class SharedCache {
  private readonly logger = new Logger('SharedCache');
  private lastWarning = 0;

  constructor(
    @Inject(CACHE_STORE) private readonly store: CacheStore,
    @InjectMetric(CACHE_REQUESTS_TOTAL) private readonly requests: Counter<string>,
  ) {}

  async get<T>(cache: string, key: string): Promise<T | undefined> {
    let raw: string | undefined;
    try {
      raw = await this.store.get(`${cache}:${key}`);
    } catch (error) {
      this.warn(error);
      this.requests.inc({ cache, result: 'error' });
      return undefined;
    }
    this.requests.inc({ cache, result: raw === undefined ? 'miss' : 'hit' });
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  async set(cache: string, key: string, value: unknown, ttlSeconds: number): Promise<void> {
    await this.store
      .set(`${cache}:${key}`, JSON.stringify(value), ttlSeconds)
      .catch((error: unknown) => this.warn(error));
  }

  async delete(cache: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.store.delete(keys.map((key) => `${cache}:${key}`)).catch((error: unknown) => {
      this.logger.error({ err: error, cache, keys: keys.length }, 'cache invalidation lost');
    });
  }

  private warn(error: unknown): void {
    if (Date.now() - this.lastWarning < 60_000) return;
    this.lastWarning = Date.now();
    this.logger.warn({ err: error }, 'Redis unavailable: cache bypassed');
  }
}
