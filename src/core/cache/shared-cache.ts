import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { CACHE_REQUESTS_TOTAL } from '../metrics/metric-names';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis.module';

const LOCAL_MAX_ENTRIES = 10_000;

/**
 * A small key→JSON cache for hot-path lookups (login state, permissions). With REDIS_URL it lives
 * in Redis, so an invalidation on one instance is seen by all at once; without it, an in-process
 * LRU (the single-instance case). Callers must invalidate on every write they cache.
 */
@Injectable()
export class SharedCache {
  private readonly local = new Map<string, { value: string; expiresAt: number }>();

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    @InjectMetric(CACHE_REQUESTS_TOTAL) private readonly requests: Counter<string>,
  ) {}

  async get<T>(cache: string, key: string): Promise<T | undefined> {
    const raw = this.redis
      ? await this.redis.get(`cache:${cache}:${key}`)
      : this.localGet(`${cache}:${key}`);
    this.requests.inc({ cache, result: raw === undefined || raw === null ? 'miss' : 'hit' });
    return raw === undefined || raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async set(cache: string, key: string, value: unknown, ttlSeconds: number): Promise<void> {
    const raw = JSON.stringify(value);
    if (this.redis) {
      await this.redis.set(`cache:${cache}:${key}`, raw, 'EX', ttlSeconds);
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
      await this.redis.del(...keys.map((key) => `cache:${cache}:${key}`));
      return;
    }
    for (const key of keys) this.local.delete(`${cache}:${key}`);
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
