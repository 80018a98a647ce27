import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { extname, join } from 'node:path';
import { Piscina } from 'piscina';
import type { Counter, Histogram } from 'prom-client';
import { AppConfig } from '../../../config/app-config';
import { TOOL_EXECUTION_DURATION, TOOL_EXECUTIONS_TOTAL } from '../../../core/metrics/metric-names';
import type { RegisteredTool } from '../registry/tool-registry';
import { type ToolContext, ToolError } from '../registry/tool.decorator';
import { DomainError } from '../../../core/errors/domain-error';
import type { ErrorCode } from '../../../core/errors/error-codes';
import { type SerialisedResult, serialiseResult } from './tool-result';
import type { ToolTask, WarmUp } from './tool-worker';

export type ToolErrorCode = 'TOOL_FAILED' | 'TOOL_TIMEOUT' | 'TOOL_RESULT_TOO_LARGE' | ErrorCode;

/** How one execution went, as it is recorded and answered. */
export interface ToolOutcome {
  status: 'succeeded' | 'failed';
  /** The result's JSON text (succeeded only). */
  resultJson: string | null;
  error: { code: ToolErrorCode; message: string } | null;
  startedAt: Date;
  durationMs: number;
}

class ToolTimeout extends Error {}

const MAX_MESSAGE_LENGTH = 500;

/**
 * Runs tools with their bounds (API.md §5): TOOL_TIMEOUT_MS and TOOL_MAX_RESULT_BYTES. Worker
 * tools run on a piscina pool whose thread is terminated at the timeout, so the request answers
 * in time even when a tool never yields, and the event loop keeps serving everyone else.
 * Event-loop tools get an AbortSignal and are abandoned at the timeout. Nothing here throws:
 * every way a tool can end becomes an outcome.
 */
@Injectable()
export class ToolRunner implements OnApplicationShutdown {
  private readonly logger = new Logger('ToolRunner');
  private pool: Piscina | undefined;

  constructor(
    private readonly config: AppConfig,
    @InjectMetric(TOOL_EXECUTIONS_TOTAL) private readonly executions: Counter<string>,
    @InjectMetric(TOOL_EXECUTION_DURATION) private readonly duration: Histogram<string>,
  ) {}

  /** Settles once both warm threads have answered a task (their tools' files loaded). */
  warmedUp: Promise<void> = Promise.resolve();

  /** Starts the worker threads (warm, with the worker tools' files loaded). */
  start(toolFiles: string[]): void {
    const fromSource = extname(__filename) === '.ts';
    this.pool = new Piscina({
      filename: join(__dirname, `tool-worker${extname(__filename)}`),
      // two warm threads: when one is terminated at a timeout, the next tool need not wait for
      // its replacement to start
      minThreads: 2,
      // a thread past those two stays a minute once idle: starting one (its tools' files loaded)
      // costs far more than a task, and piscina's default would end it the moment it idles
      idleTimeout: 60_000,
      // a tool that allocates without bound fails alone, not the process
      resourceLimits: { maxOldGenerationSizeMb: 256 },
      workerData: { toolFiles },
      // from TypeScript sources (tests, `npm run start:dev`) the threads compile them too
      execArgv: fromSource
        ? [...process.execArgv, '--require', require.resolve('ts-node/register/transpile-only')]
        : process.execArgv,
    });
    const pool = this.pool;
    const warmUp: WarmUp = { warmUp: true };
    this.warmedUp = Promise.all([pool.run(warmUp), pool.run(warmUp)]).then(
      () => undefined,
      (error: unknown) => this.logger.error({ err: error }, 'tool worker threads failed to start'),
    );
  }

  async run(tool: RegisteredTool, ctx: ToolContext, params: Record<string, unknown>) {
    const startedAt = new Date();
    const started = performance.now();
    const outcome = await this.settle(tool, ctx, params);
    const durationMs = Math.round(performance.now() - started);
    const name = tool.definition.name;
    this.executions.inc({ tool: name, status: outcome.status });
    this.duration.observe({ tool: name }, durationMs / 1000);
    return { ...outcome, startedAt, durationMs } satisfies ToolOutcome;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.destroy();
  }

  private async settle(
    tool: RegisteredTool,
    ctx: ToolContext,
    params: Record<string, unknown>,
  ): Promise<Pick<ToolOutcome, 'status' | 'resultJson' | 'error'>> {
    const { timeoutMs, maxResultBytes } = this.config.tools;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new ToolTimeout()), timeoutMs);
    try {
      const result =
        tool.definition.runsIn === 'worker'
          ? await this.onWorker(tool, ctx, params, abort.signal)
          : await this.onEventLoop(tool, { ...ctx, signal: abort.signal }, params);
      if ('tooLarge' in result) {
        return failed(
          'TOOL_RESULT_TOO_LARGE',
          `The result is ${result.tooLarge} bytes; at most ${maxResultBytes} are kept`,
        );
      }
      return { status: 'succeeded', resultJson: result.json, error: null };
    } catch (error) {
      if (abort.signal.aborted) {
        return failed('TOOL_TIMEOUT', `The tool did not finish within ${timeoutMs} ms`);
      }
      // an event-loop tool's refusal in the API's own terms (a casefile it may no longer read)
      if (error instanceof DomainError) return failed(error.code, error.message);
      return failed('TOOL_FAILED', this.messageOf(tool, error));
    } finally {
      clearTimeout(timer);
    }
  }

  private onWorker(
    tool: RegisteredTool,
    ctx: ToolContext,
    params: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<SerialisedResult> {
    if (!this.pool || !tool.source) throw new Error('the tool worker pool is not started');
    const task: ToolTask = {
      ...tool.source,
      ctx: { sessionId: ctx.sessionId, userId: ctx.userId, casefileId: ctx.casefileId },
      params,
      maxResultBytes: this.config.tools.maxResultBytes,
    };
    // aborting a running task terminates its thread; the pool starts a fresh one
    return this.pool.run(task, { signal }) as Promise<SerialisedResult>;
  }

  private async onEventLoop(
    tool: RegisteredTool,
    ctx: ToolContext & { signal: AbortSignal },
    params: Record<string, unknown>,
  ): Promise<SerialisedResult> {
    const aborted = new Promise<never>((_, reject) => {
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), {
        once: true,
      });
    });
    const result = await Promise.race([
      Promise.resolve().then(() => tool.instance.execute(ctx, params)),
      aborted,
    ]);
    return serialiseResult(result, this.config.tools.maxResultBytes);
  }

  /** What the caller learns of a failure: a worker tool's message, or a ToolError's. */
  private messageOf(tool: RegisteredTool, error: unknown): string {
    // an error from a worker thread is an Error of that thread's realm: read it by shape
    const message = (error as { message?: unknown } | null)?.message;
    if (
      typeof message === 'string' &&
      message !== '' &&
      (tool.definition.runsIn === 'worker' || error instanceof ToolError)
    ) {
      return message.slice(0, MAX_MESSAGE_LENGTH);
    }
    this.logger.error({ err: error, tool: tool.definition.name }, 'tool failed');
    return 'The tool failed';
  }
}

function failed(code: ToolErrorCode, message: string) {
  return { status: 'failed' as const, resultJson: null, error: { code, message } };
}
