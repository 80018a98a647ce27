import {
  type DynamicModule,
  type MiddlewareConsumer,
  Module,
  type ModuleMetadata,
  type NestModule,
  RequestMethod,
  type Type,
} from '@nestjs/common';
import {
  APP_FILTER,
  APP_INTERCEPTOR,
  APP_PIPE,
  DiscoveryModule,
  DiscoveryService,
} from '@nestjs/core';
import { SharedCacheModule } from './cache/cache.module';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { HealthModule } from './health/health.module';
import { hostileInputGuard } from './http/hostile-input';
import { bodyLimitRoutes, jsonBody } from './http/json-body.middleware';
import { createValidationPipe } from './http/validation';
import { HubContextModule } from './hub/hub-context.module';
import { Idempotency } from './idempotency/idempotency';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { IdempotencySweeper } from './idempotency/idempotency.sweeper';
import { RequestHubInterceptor } from './hub/request-hub.interceptor';
import { REQUEST_HOOKS, type RequestHook } from './hub/request-hook';
import { ShutdownGateMiddleware, ShutdownState } from './lifecycle/shutdown';
import { MetricsHook } from './metrics/metrics.hook';
import { MetricsModule } from './metrics/metrics.module';
import { type OperationMetric, operationMetricProviders } from './metrics/operation-metrics';
import { RedisModule } from './redis/redis.module';
import { SecretsModule } from './secrets/secret-box';

export interface CoreModuleOptions {
  /** The RequestHub's hooks, in the order they run (`MetricsHook` is core's own). */
  hooks: Type<RequestHook>[];
  /** Modules that provide those hooks. */
  hookModules: ModuleMetadata['imports'];
  /** The domains' operation counters, which the `metrics` hook keeps. */
  operationMetrics: readonly OperationMetric[];
}

/**
 * The domain-agnostic platform: RequestHub, the one filter, validation, body parsing, shutdown
 * gate, metrics, health, Redis. Never imports a feature module except to receive its hooks.
 */
@Module({})
export class CoreModule implements NestModule {
  static forRoot(options: CoreModuleOptions): DynamicModule {
    return {
      // Not global on purpose: global modules mount their middleware first, in no set order among
      // themselves; as a plain module, the body parser below runs after the global middleware.
      module: CoreModule,
      imports: [
        DiscoveryModule,
        RedisModule,
        MetricsModule,
        SharedCacheModule,
        HubContextModule,
        HealthModule,
        SecretsModule,
        ...(options.hookModules ?? []),
      ],
      providers: [
        ShutdownState,
        ShutdownGateMiddleware,
        ...operationMetricProviders(options.operationMetrics),
        MetricsHook,
        {
          provide: REQUEST_HOOKS,
          inject: options.hooks,
          useFactory: (...hooks: RequestHook[]) => hooks,
        },
        IdempotencyStore,
        Idempotency,
        IdempotencySweeper,
        // The one application interceptor: idempotency, context, hooks, transaction, envelope.
        { provide: APP_INTERCEPTOR, useClass: RequestHubInterceptor },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
      exports: [ShutdownState, MetricsModule],
    };
  }

  constructor(private readonly discovery: DiscoveryService) {}

  configure(consumer: MiddlewareConsumer): void {
    // Mounted after the app's middleware (request id, CLS, metrics), so a turned-away or
    // unparsable request is still logged with its request id.
    const everything = { path: '{*path}', method: RequestMethod.ALL };
    consumer.apply(ShutdownGateMiddleware).forRoutes(everything);
    // Operations with a limit of their own parse first; the default parser skips a parsed body.
    const controllers = this.discovery
      .getControllers()
      .map((wrapper) => wrapper.metatype)
      .filter((metatype): metatype is Type => typeof metatype === 'function');
    for (const route of bodyLimitRoutes(controllers)) {
      consumer.apply(jsonBody(route.limitBytes)).forRoutes(route);
    }
    consumer.apply(jsonBody()).forRoutes(everything);
    // the one edge for hostile input: after the body is parsed, before anything walks it
    consumer.apply(hostileInputGuard).forRoutes(everything);
  }
}
