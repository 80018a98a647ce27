import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { AppConfig } from '../../config/app-config';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis.module';
import { AUTH_RATE_LIMITED } from './rate-limit.decorators';
import { InProcessThrottlerStorage } from './in-process-throttler-storage';
import { ResilientThrottlerStorage } from './resilient-throttler-storage';

const MINUTE_MS = 60_000;

/**
 * Two limits (API.md §1.3): `default` per user or IP on every route, and `auth` per IP on the
 * routes marked @AuthRateLimited(). Counters live in Redis when REDIS_URL is set, under
 * RATE_LIMIT_NAMESPACE, so all instances share them; otherwise in process, one counter per key.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, REDIS_CLIENT],
      useFactory: (config: AppConfig, redis: RedisClient) => ({
        throttlers: [
          { name: 'default', ttl: MINUTE_MS, limit: config.rateLimit.perMinute },
          {
            name: 'auth',
            ttl: MINUTE_MS,
            limit: config.rateLimit.authPerMinute,
            skipIf: (context) => !Reflect.getMetadata(AUTH_RATE_LIMITED, context.getHandler()),
          },
        ],
        // One counter per caller across all routes (throttler keys per handler by default).
        generateKey: (_context, tracker, name) =>
          `${config.rateLimit.namespace}:rl:${name}:${tracker}`,
        storage: redis
          ? new ResilientThrottlerStorage(new ThrottlerStorageRedisService(redis))
          : new InProcessThrottlerStorage(),
      }),
    }),
  ],
})
export class RateLimitModule {}
