import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { extname, join } from 'node:path';
import type { Counter, Histogram } from 'prom-client';
import { Promise as WorkerPromise } from 'workerpool';
import { TransactionHost } from '@nestjs-cls/transactional';
import { AppConfig } from '../../../config/app-config';
import { isStatementTimeoutError } from '../../../platform/database/database-unavailable';
import { findHostileInput, toStorableText } from '../../../core/http/hostile-input';
import { DomainError } from '../../../platform/errors/domain-error';
import type { ErrorCode } from '../../../platform/errors/error-codes';
import { TOOL_EXECUTION_DURATION, TOOL_EXECUTIONS_TOTAL } from '../tool.metrics';
import type { RegisteredTool } from '../registry/tool-registry';
import { type ToolContext, ToolError } from '../registry/tool.decorator';
import { ToolCapacity } from './tool-capacity';
import { type SerialisedResult, serialiseResult } from './tool-result';
import { messageOf, ToolWorkers, WorkerLost } from './tool-workers';

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
 * Runs tools within their bounds (API.md §5): TOOL_TIMEOUT_MS, TOOL_MAX_RESULT_BYTES and, for
 * worker tools, a process of their own (ToolWorkers). Runs share the workers fairly (ToolCapacity): a user's
 * runs beyond their share wait in their own line, and a full line is `429 TOOL_CAPACITY`.
 * Event-loop tools get an AbortSignal and are abandoned at the timeout. Apart from capacity
 * refusals (before anything runs), nothing here throws: every way a tool ends becomes an outcome.
 */
@Injectable()
export class ToolRunner implements OnApplicationShutdown {
  private readonly logger = new Logger('ToolRunner');
  private readonly workers: ToolWorkers;
  /** The worker processes, shared out. */
  private readonly workerCapacity: ToolCapacity;
  /**
   * Event-loop tools hold a database connection while they run: at most half the pool at once,
   * shared out the same way, so one user's searches cannot take the connections from everyone.
   */
  private readonly eventLoopCapacity: ToolCapacity;
  constructor(
    private readonly config: AppConfig,
    @InjectMetric(TOOL_EXECUTIONS_TOTAL) private readonly executions: Counter<string>,
    @InjectMetric(TOOL_EXECUTION_DURATION) private readonly duration: Histogram<string>,
    private readonly txHost: TransactionHost,
  ) {
    const tools = config.tools;
    const shares = {
      perUser: tools.userConcurrency,
      perUserWaiting: tools.userQueue,
      waiting: tools.queueSize,
      maxWaitMs: tools.timeoutMs,
    };
    this.workers = new ToolWorkers(config, () => this.workerScript());
    this.workerCapacity = new ToolCapacity({ ...shares, slots: tools.workers });
    this.eventLoopCapacity = new ToolCapacity({
      ...shares,
      slots: Math.max(1, Math.floor(config.database.poolSize / 2)),
    });
  }

  /** Worker tool runs running and waiting for a worker right now. */
  get workerLoad(): { running: number; waiting: number } {
    return this.workerCapacity.load;
  }

  /** Settles once every worker has answered a task (its tools' files loaded). */
  get warmedUp(): Promise<void> {
    return this.workers.warmedUp;
  }

  /** Starts the worker processes, with the worker tools' files loaded. */
  start(toolFiles: string[]): void {
    this.workers.start(toolFiles);
  }

  /** The file a worker process runs (tests point it at one that cannot start). */
  protected workerScript(): string {
    return join(__dirname, `tool-process${extname(__filename)}`);
  }

  /**
   * One run. It first takes a place (ToolCapacity): among the worker processes, or, for an
   * event-loop tool, among the database connections tools may hold; a refusal is `429
   * TOOL_CAPACITY` before anything ran.
   */
  async run(
    tool: RegisteredTool,
    ctx: ToolContext,
    params: Record<string, unknown>,
  ): Promise<ToolOutcome> {
    const capacity =
      tool.definition.runsIn === 'worker' ? this.workerCapacity : this.eventLoopCapacity;
    const release = await capacity.acquire(ctx.userId);
    const startedAt = new Date();
    const started = performance.now();
    let outcome: Pick<ToolOutcome, 'status' | 'resultJson' | 'error'>;
    try {
      outcome = await this.settle(tool, ctx, params);
    } finally {
      release();
    }
    const durationMs = Math.round(performance.now() - started);
    const name = tool.definition.name;
    this.executions.inc({ tool: name, status: outcome.status });
    this.duration.observe({ tool: name }, durationMs / 1000);
    return { ...outcome, startedAt, durationMs };
  }

  onApplicationShutdown(): Promise<void> {
    return this.workers.stop();
  }

  private async settle(
    tool: RegisteredTool,
    ctx: ToolContext,
    params: Record<string, unknown>,
  ): Promise<Pick<ToolOutcome, 'status' | 'resultJson' | 'error'>> {
    const { timeoutMs, maxResultBytes } = this.config.tools;
    try {
      const result =
        tool.definition.runsIn === 'worker'
          ? await this.workers.run(tool, ctx, params)
          : await this.onEventLoop(tool, ctx, params);
      if ('tooLarge' in result) {
        return failed(
          'TOOL_RESULT_TOO_LARGE',
          `The result is ${result.tooLarge} bytes; at most ${maxResultBytes} are kept`,
        );
      }
      // a result is made of the tool's input: `"\u0000"` in an expression is a NUL in its value,
      // which PostgreSQL cannot store (the record, and the request, would fail)
      if (findHostileInput(JSON.parse(result.json), Infinity)) {
        return failed(
          'TOOL_FAILED',
          'The result holds text that cannot be stored (a NUL or an unpaired UTF-16 surrogate)',
        );
      }
      return { status: 'succeeded', resultJson: result.json, error: null };
    } catch (error) {
      if (
        error instanceof ToolTimeout ||
        error instanceof WorkerPromise.TimeoutError ||
        error instanceof WorkerPromise.CancellationError
      ) {
        return failed('TOOL_TIMEOUT', `The tool did not finish within ${timeoutMs} ms`);
      }
      if (isStatementTimeoutError(error)) {
        return failed('SYS_STATEMENT_TIMEOUT', "The tool's query ran past the statement timeout");
      }
      if (error instanceof WorkerLost) {
        return failed('SYS_TOOL_WORKER_FAILED', error.message);
      }
      // an event-loop tool's refusal in the API's own terms (a casefile it may no longer read)
      if (error instanceof DomainError) return failed(error.code, error.message);
      return failed('TOOL_FAILED', this.messageOf(tool, error));
    }
  }

  private async onEventLoop(
    tool: RegisteredTool,
    ctx: ToolContext,
    params: Record<string, unknown>,
  ): Promise<SerialisedResult> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new ToolTimeout()), this.config.tools.timeoutMs);
    const aborted = new Promise<never>((_, reject) => {
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error), {
        once: true,
      });
    });
    try {
      // outside the request's transaction: a statement of the tool that fails (or times out) is
      // the tool's failure, recorded as such, and must not abort the transaction the record needs
      const running = this.txHost.withoutTransaction(() =>
        Promise.resolve(tool.instance.execute({ ...ctx, signal: abort.signal }, params)),
      );
      const result = await Promise.race([running, aborted]);
      return serialiseResult(result, this.config.tools.maxResultBytes);
    } finally {
      clearTimeout(timer);
    }
  }

  /** What the caller learns of a failure: a worker tool's message, or a ToolError's. */
  private messageOf(tool: RegisteredTool, error: unknown): string {
    const message = messageOf(error);
    if (message !== '' && (tool.definition.runsIn === 'worker' || error instanceof ToolError)) {
      return message.slice(0, MAX_MESSAGE_LENGTH);
    }
    this.logger.error({ err: error, tool: tool.definition.name }, 'tool failed');
    return 'The tool failed';
  }
}

function failed(code: ToolErrorCode, message: string) {
  // a tool's message may quote its input or output: it is stored too
  const error = { code, message: toStorableText(message) };
  return { status: 'failed' as const, resultJson: null, error };
}
