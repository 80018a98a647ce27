import { Global, Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis.module';
import { MemoryCacheStore, RedisCacheStore } from './cache-stores';
import { CACHE_STORE, SharedCache } from './shared-cache';

@Global()
@Module({
  imports: [MetricsModule],
  providers: [
    {
      provide: CACHE_STORE,
      inject: [REDIS_CLIENT],
      useFactory: (redis: RedisClient) =>
        redis ? new RedisCacheStore(redis) : new MemoryCacheStore(),
    },
    SharedCache,
  ],
  exports: [SharedCache],
})
export class SharedCacheModule {}
