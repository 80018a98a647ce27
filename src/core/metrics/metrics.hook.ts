import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import type { RequestContext } from '../hub/request-context';
import type { RequestHook } from '../hub/request-hook';
import { HTTP_REQUESTS_IN_PROGRESS } from './metric-names';

/** The `metrics` hook: tracks the operations in flight, per route template. */
@Injectable()
export class MetricsHook implements RequestHook {
  readonly name = 'metrics';

  constructor(
    @InjectMetric(HTTP_REQUESTS_IN_PROGRESS) private readonly inProgress: Gauge<string>,
  ) {}

  pre(ctx: RequestContext): void {
    this.inProgress.inc({ method: ctx.method, route: ctx.route });
  }

  post(ctx: RequestContext): void {
    this.inProgress.dec({ method: ctx.method, route: ctx.route });
  }

  error(ctx: RequestContext): void {
    this.inProgress.dec({ method: ctx.method, route: ctx.route });
  }
}
