import type Redis from 'ioredis';

const LOCAL_MAX_ENTRIES = 10_000;

/** Where SharedCache keeps its entries: chosen once at start-up, never branched on per call. */
export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
}

/** With REDIS_URL: one store for every instance, so an invalidation is seen by all at once. */
export class RedisCacheStore implements CacheStore {
  constructor(private readonly redis: Redis) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(`cache:${key}`)) ?? undefined;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(`cache:${key}`, value, 'EX', ttlSeconds);
  }

  async delete(keys: readonly string[]): Promise<void> {
    await this.redis.del(...keys.map((key) => `cache:${key}`));
  }
}

/** Without REDIS_URL (one instance): an in-process LRU with expiry. */
export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();

  get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return Promise.resolve(undefined);
    this.entries.delete(key);
    if (entry.expiresAt <= Date.now()) return Promise.resolve(undefined);
    // refresh recency: Map keeps insertion order, the oldest entry is evicted first
    this.entries.set(key, entry);
    return Promise.resolve(entry.value);
  }

  set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
    if (this.entries.size > LOCAL_MAX_ENTRIES) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    return Promise.resolve();
  }

  delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
    return Promise.resolve();
  }
}
