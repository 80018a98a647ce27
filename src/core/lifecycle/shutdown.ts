import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ShuttingDownError } from '../errors/system.errors';

/** Set once a shutdown begins; from then on new requests are turned away. */
@Injectable()
export class ShutdownState {
  private shuttingDown = false;

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  begin(): void {
    this.shuttingDown = true;
  }
}

/**
 * While draining, requests already in flight finish; any new one (on a kept-alive connection, or
 * racing the listener's close) gets `503 SYS_SHUTTING_DOWN` and `Connection: close`, so a load
 * balancer retries it elsewhere.
 */
@Injectable()
export class ShutdownGateMiddleware implements NestMiddleware {
  constructor(private readonly state: ShutdownState) {}

  use(_req: Request, _res: Response, next: NextFunction): void {
    next(this.state.isShuttingDown ? new ShuttingDownError() : undefined);
  }
}
