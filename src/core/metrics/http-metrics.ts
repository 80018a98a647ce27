import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { NextFunction, Request, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';
import { routeTemplateOf } from '../hub/request-hub.interceptor';
import { HTTP_REQUEST_DURATION, HTTP_REQUESTS_TOTAL } from './metric-names';

/**
 * Counts and times every response, including those answered before the RequestHub runs (401 from
 * a guard, 404 for an unknown route, 400 for bad JSON). Routes are labelled by template, so the
 * label set stays bounded whatever paths clients send.
 */
@Injectable()
export class HttpMetrics {
  constructor(
    @InjectMetric(HTTP_REQUESTS_TOTAL) private readonly requests: Counter<string>,
    @InjectMetric(HTTP_REQUEST_DURATION) private readonly duration: Histogram<string>,
  ) {}

  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = routeTemplateOf(req);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      this.duration.observe({ method: req.method, route }, seconds);
    });
    next();
  };
}
