import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { CACHE_REQUESTS_TOTAL } from '../metrics/metric-names';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis.module';

const LOCAL_MAX_ENTRIES = 10_000;

/**
 * A small key→JSON cache for hot-path lookups (login state, API keys). With REDIS_URL it lives
 * in Redis, so an invalidation on one instance is seen by all at once; without it, an in-process
 * LRU (the single-instance case). Callers must invalidate on every write they cache.
 *
 * A cache is never a reason to fail a request: when Redis does not answer, a read is a miss (the
 * caller goes to the database) and a write is skipped. A lost invalidation is logged as an error:
 * the entry may be stale, for at most its TTL, once Redis is back.
 */
@Injectable()
export class SharedCache {
  private readonly logger = new Logger('SharedCache');
  private readonly local = new Map<string, { value: string; expiresAt: number }>();
  private lastWarning = 0;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    @InjectMetric(CACHE_REQUESTS_TOTAL) private readonly requests: Counter<string>,
  ) {}

  async get<T>(cache: string, key: string): Promise<T | undefined> {
    let raw: string | null | undefined;
    try {
      raw = this.redis
        ? await this.redis.get(redisKey(cache, key))
        : this.localGet(`${cache}:${key}`);
    } catch (error) {
      this.warn(error);
      this.requests.inc({ cache, result: 'error' });
      return undefined;
    }
    const hit = raw !== undefined && raw !== null;
    this.requests.inc({ cache, result: hit ? 'hit' : 'miss' });
    return hit ? (JSON.parse(raw!) as T) : undefined;
  }

  async set(cache: string, key: string, value: unknown, ttlSeconds: number): Promise<void> {
    const raw = JSON.stringify(value);
    if (this.redis) {
      await this.redis.set(redisKey(cache, key), raw, 'EX', ttlSeconds).catch((error: unknown) => {
        this.warn(error);
      });
      return;
    }
    const localKey = `${cache}:${key}`;
    this.local.delete(localKey);
    this.local.set(localKey, { value: raw, expiresAt: Date.now() + ttlSeconds * 1000 });
    if (this.local.size > LOCAL_MAX_ENTRIES) {
      this.local.delete(this.local.keys().next().value!);
    }
  }

  async delete(cache: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    if (this.redis) {
      await this.redis.del(...keys.map((key) => redisKey(cache, key))).catch((error: unknown) => {
        this.logger.error({ err: error, cache, keys: keys.length }, 'cache invalidation lost');
      });
      return;
    }
    for (const key of keys) this.local.delete(`${cache}:${key}`);
  }

  private warn(error: unknown): void {
    if (Date.now() - this.lastWarning < 60_000) return;
    this.lastWarning = Date.now();
    this.logger.warn({ err: error }, 'Redis unavailable: cache bypassed');
  }

  private localGet(key: string): string | undefined {
    const entry = this.local.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.local.delete(key);
      return undefined;
    }
    // refresh recency: Map keeps insertion order, the oldest entry is evicted first
    this.local.delete(key);
    this.local.set(key, entry);
    return entry.value;
  }
}

function redisKey(cache: string, key: string): string {
  return `cache:${cache}:${key}`;
}
