import { Inject, Injectable } from '@nestjs/common';
import { Sql } from '../../platform/database/sql';
import { version } from '../../../package.json';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis.module';
import type { DependencyCheckDto, HealthDto } from './health.dto';

const CHECK_TIMEOUT_MS = 3000;

async function timed(check: () => Promise<unknown>): Promise<DependencyCheckDto> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([check(), timeout]);
    return { status: 'ok', latency_ms: elapsed(started) };
  } catch (error) {
    // Only the class of failure: a driver message can carry hosts or credentials.
    return { status: 'error', latency_ms: elapsed(started), error: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code === 'ECONNREFUSED' ? 'connection refused' : code;
  const message = (error as { message?: unknown }).message;
  if (typeof message !== 'string') return 'unavailable';
  return message.startsWith('no answer') ? message : 'unavailable';
}

@Injectable()
export class HealthService {
  constructor(
    private readonly sql: Sql,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
  ) {}

  async check(): Promise<HealthDto> {
    const redis = this.redis;
    const [database, redisCheck] = await Promise.all([
      timed(() => this.sql.rows('SELECT 1')),
      redis ? timed(() => redis.ping()) : Promise.resolve(undefined),
    ]);
    const checks = { database, ...(redisCheck && { redis: redisCheck }) };
    const healthy = Object.values(checks).every((check) => check.status === 'ok');
    return { status: healthy ? 'ok' : 'error', version, api_version: 'v1', checks };
  }
}
