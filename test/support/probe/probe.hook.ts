import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { RequestContext } from '../../../src/core/hub/request-context';
import type { RequestHook } from '../../../src/core/hub/request-hook';

export interface ProbeHookEvent {
  phase: 'pre' | 'post' | 'error';
  operation: string;
  requestId: string;
  inTransaction: boolean;
  /** The domain error code the `error` hook was handed. */
  errorCode?: string;
  params: Readonly<Record<string, string>>;
  streams: boolean;
  responseMode: RequestContext['responseMode'];
}

/** Records what the RequestHub made of each request; can be told to fail in post(). */
@Injectable()
export class ProbeHook implements RequestHook {
  readonly name = 'probe';
  readonly events: ProbeHookEvent[] = [];
  failPostFor = new Set<string>();

  constructor(private readonly txHost: TransactionHost) {}

  pre(ctx: RequestContext): void {
    this.record('pre', ctx);
  }

  post(ctx: RequestContext): void {
    this.record('post', ctx);
    if (this.failPostFor.delete(ctx.requestId)) throw new Error('probe hook failed in post');
  }

  error(ctx: RequestContext, error: unknown): void {
    this.record('error', ctx, (error as { code?: string }).code);
  }

  private record(phase: ProbeHookEvent['phase'], ctx: RequestContext, errorCode?: string): void {
    this.events.push({
      phase,
      operation: ctx.operation,
      requestId: ctx.requestId,
      inTransaction: this.txHost.isTransactionActive(),
      ...(errorCode !== undefined && { errorCode }),
      params: ctx.params,
      streams: ctx.options.streams === true,
      responseMode: ctx.responseMode,
    });
  }
}
