import { Controller, Get, Res } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';
import { Public } from '../http/public.decorator';
import { Operation } from '../hub/operation.decorator';
import { DbPoolMetrics } from './db-pool-metrics';

/** `GET /metrics`: Prometheus text, public, outside the /v1 prefix and the envelope. */
@ApiExcludeController()
// Probes and scrapes are never rate limited (API.md §1.3).
@SkipThrottle()
@Controller()
export class MetricsController extends PrometheusController {
  // PrometheusModule owns this controller, so MetricsModule's providers are looked up globally.
  constructor(private readonly moduleRef: ModuleRef) {
    super();
  }

  @Get()
  @Public()
  @Operation('get_metrics', {
    summary: 'Prometheus metrics (text exposition format)',
    errors: [],
    envelope: false,
  })
  override async index(@Res({ passthrough: true }) response: Response): Promise<string> {
    this.moduleRef.get(DbPoolMetrics, { strict: false }).refresh();
    return super.index(response);
  }
}
