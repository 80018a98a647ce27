import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { NextFunction, Request, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';
import { routeTemplateOf } from '../hub/route-plan';
import { requestIdOf } from '../http/request-id';
import { AppLogger } from '../logging/app-logger';
import { HTTP_REQUEST_DURATION, HTTP_REQUESTS_TOTAL } from './metric-names';

/** Liveness probes are counted, not logged: one line per probe would drown the log. */
const UNLOGGED_PATHS = new Set(['/health/live']);

/**
 * One `finish` listener per response: counts and times it, including those answered before the
 * RequestHub runs (401 from a guard, 404 for an unknown route, 400 for bad JSON), and writes its
 * access line (`request completed`: request id, method, url, route template, status, duration).
 * Routes are labelled by template, so the label set stays bounded whatever paths clients send.
 */
@Injectable()
export class HttpMetrics {
  constructor(
    @InjectMetric(HTTP_REQUESTS_TOTAL) private readonly requests: Counter<string>,
    @InjectMetric(HTTP_REQUEST_DURATION) private readonly duration: Histogram<string>,
    private readonly logger: AppLogger,
  ) {}

  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.once('finish', () => {
      const route = routeTemplateOf(req);
      const ms = performance.now() - started;
      const status = res.statusCode;
      this.requests.inc({ method: req.method, route, status: String(status) });
      this.duration.observe({ method: req.method, route }, ms / 1000);
      if (UNLOGGED_PATHS.has(req.url)) return;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      this.logger.pino[level](
        {
          request_id: requestIdOf(req),
          req: { method: req.method, url: req.originalUrl, route, remote_address: req.ip },
          res: { status },
          duration_ms: Math.round(ms * 10) / 10,
        },
        'request completed',
      );
    });
    next();
  };
}
