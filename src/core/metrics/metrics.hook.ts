import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { toDomainError } from '../errors/all-exceptions.filter';
import type { RequestContext } from '../hub/request-context';
import type { RequestHook } from '../hub/request-hook';
import {
  CASEFILE_OPERATIONS_TOTAL,
  HTTP_REQUESTS_IN_PROGRESS,
  SESSION_OPERATIONS_TOTAL,
} from './metric-names';

/** Casefile operations (API.md §2): everything under `/casefiles`, the admin routes included. */
const CASEFILE_ROUTE = /^\/v1\/(admin\/)?casefiles(\/|$)/;
/** Session operations: the tool and chat session routes. */
const SESSION_ROUTE = /^\/v1\/(tool-sessions|chat\/sessions)(\/|$)/;

/**
 * The `metrics` hook: the operations in flight per route template, and each domain's operations
 * by name and answered status (the request counters by route are HttpMetrics').
 */
@Injectable()
export class MetricsHook implements RequestHook {
  readonly name = 'metrics';

  constructor(
    @InjectMetric(HTTP_REQUESTS_IN_PROGRESS) private readonly inProgress: Gauge<string>,
    @InjectMetric(CASEFILE_OPERATIONS_TOTAL) private readonly casefileOperations: Counter<string>,
    @InjectMetric(SESSION_OPERATIONS_TOTAL) private readonly sessionOperations: Counter<string>,
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
    const labels = { operation: ctx.operation, status: String(status) };
    if (CASEFILE_ROUTE.test(ctx.route)) this.casefileOperations.inc(labels);
    else if (SESSION_ROUTE.test(ctx.route)) this.sessionOperations.inc(labels);
  }
}
