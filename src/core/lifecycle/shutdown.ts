import type { Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ShuttingDownError } from '../../platform/errors/system.errors';

/** Set once a shutdown begins; from then on readiness fails and connections are not kept. */
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
 * While draining, every request that still arrives on an open connection is served, with
 * `Connection: close` so the client takes its next one elsewhere; only readiness (`/health`)
 * answers `503 SYS_SHUTTING_DOWN`, so a load balancer stops sending traffic.
 */
@Injectable()
export class ShutdownGateMiddleware implements NestMiddleware {
  constructor(private readonly state: ShutdownState) {}

  use(req: Request, res: Response, next: NextFunction): void {
    if (!this.state.isShuttingDown) return next();
    res.setHeader('Connection', 'close');
    next(req.path === '/health' ? new ShuttingDownError() : undefined);
  }
}

/** A kept-alive connection idle this long during a drain is closed (a busy one closes itself). */
const IDLE_GRACE_MS = 500;
const POLL_MS = 25;

interface Tracked {
  active: number;
  idleSince: number;
}

/**
 * Drains an HTTP server without cutting a request. `server.close()` alone stops listening and
 * at once destroys every connection that is idle at that instant — including kept-alive ones
 * whose client is sending its next request right then, which sees `ECONNRESET`. Here: stop
 * listening only; every response from then on (and those in flight whose headers are not out
 * yet) says `Connection: close`, so busy connections close themselves after their answer; a
 * connection is closed by us only once it has been idle for IDLE_GRACE_MS.
 */
export class HttpDrain {
  private readonly sockets = new Map<Socket, Tracked>();
  private readonly inFlight = new Set<Response>();

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.set(socket, { active: 0, idleSince: performance.now() });
      socket.once('close', () => this.sockets.delete(socket));
    });
    // first, before any handler can answer; requests arriving from now on get `Connection: close`
    // from ShutdownGateMiddleware, those already in flight from drain()
    server.prependListener('request', (req: Request, res: Response) => {
      const tracked = this.sockets.get(req.socket);
      if (tracked) tracked.active += 1;
      this.inFlight.add(res);
      res.once('close', () => {
        this.inFlight.delete(res);
        if (tracked) {
          tracked.active -= 1;
          tracked.idleSince = performance.now();
        }
      });
    });
  }

  /** Resolves once every connection is closed, or after `timeoutMs` (the rest are destroyed). */
  async drain(timeoutMs: number): Promise<void> {
    // net.Server's close: stop accepting, leave open connections alone (see above)
    NetServer.prototype.close.call(this.server);
    for (const res of this.inFlight) {
      if (!res.headersSent) res.setHeader('Connection', 'close');
    }
    const deadline = performance.now() + timeoutMs;
    while (this.sockets.size > 0 && performance.now() < deadline) {
      const now = performance.now();
      for (const [socket, tracked] of this.sockets) {
        if (tracked.active === 0 && now - tracked.idleSince >= IDLE_GRACE_MS) socket.end();
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    for (const socket of this.sockets.keys()) socket.destroy();
  }
}
