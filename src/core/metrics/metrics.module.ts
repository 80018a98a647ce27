import { Module } from '@nestjs/common';
import {
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
  PrometheusModule,
} from '@willsoto/nestjs-prometheus';
import { DbPoolMetrics } from './db-pool-metrics';
import { HttpMetrics } from './http-metrics';
import {
  CACHE_REQUESTS_TOTAL,
  DB_POOL_CONNECTIONS,
  HTTP_REQUEST_DURATION,
  HTTP_REQUESTS_IN_PROGRESS,
  HTTP_REQUESTS_TOTAL,
} from './metric-names';
import { MetricsController } from './metrics.controller';

const cacheRequests = makeCounterProvider({
  name: CACHE_REQUESTS_TOTAL,
  help: 'Cache lookups by cache name and result (hit, miss, error)',
  labelNames: ['cache', 'result'],
});

const inProgress = makeGaugeProvider({
  name: HTTP_REQUESTS_IN_PROGRESS,
  help: 'Operations being handled now, by method and route template',
  labelNames: ['method', 'route'],
});

@Module({
  imports: [
    PrometheusModule.register({
      controller: MetricsController,
      path: '/metrics',
      defaultMetrics: { enabled: true },
    }),
  ],
  providers: [
    makeCounterProvider({
      name: HTTP_REQUESTS_TOTAL,
      help: 'HTTP responses by method, route template and status',
      labelNames: ['method', 'route', 'status'],
    }),
    makeHistogramProvider({
      name: HTTP_REQUEST_DURATION,
      help: 'HTTP request duration in seconds by method and route template',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    inProgress,
    makeGaugeProvider({
      name: DB_POOL_CONNECTIONS,
      help: 'Database pool connections by state (active, idle, waiting, max)',
      labelNames: ['state'],
    }),
    cacheRequests,
    HttpMetrics,
    DbPoolMetrics,
  ],
  exports: [HttpMetrics, cacheRequests, inProgress],
})
export class MetricsModule {}
