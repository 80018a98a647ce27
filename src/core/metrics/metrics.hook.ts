import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { toDomainError } from '../errors/all-exceptions.filter';
import type { RequestContext } from '../hub/request-context';
import type { RequestHook } from '../hub/request-hook';
import { HTTP_REQUESTS_IN_PROGRESS } from './metric-names';
import { type CountedOperations, OPERATION_METRICS } from './operation-metrics';

/**
 * The `metrics` hook: the operations in flight per route template, and each domain's operations
 * by name and answered status, in the counters the domains declared (`OperationMetric`; the
 * request counters by route are HttpMetrics').
 */
@Injectable()
export class MetricsHook implements RequestHook {
  readonly name = 'metrics';

  constructor(
    @InjectMetric(HTTP_REQUESTS_IN_PROGRESS) private readonly inProgress: Gauge<string>,
    @Inject(OPERATION_METRICS) private readonly operations: readonly CountedOperations[],
  ) {}

  pre(ctx: RequestContext): void {
    this.inProgress.inc({ method: ctx.method, route: ctx.route });
  }

  post(ctx: RequestContext): void {
    this.inProgress.dec({ method: ctx.method, route: ctx.route });
    this.countOperation(ctx, ctx.successStatus);
  }

  replayed(ctx: RequestContext, status: number): void {
    this.inProgress.dec({ method: ctx.method, route: ctx.route });
    this.countOperation(ctx, status);
  }

  error(ctx: RequestContext, error: unknown): void {
    this.inProgress.dec({ method: ctx.method, route: ctx.route });
    this.countOperation(ctx, toDomainError(error, { method: ctx.method, path: ctx.route }).status);
  }

  private countOperation(ctx: RequestContext, status: number): void {
    const counted = this.operations.find(({ routes }) => routes.test(ctx.route));
    counted?.counter.inc({ operation: ctx.operation, status: String(status) });
  }
}
