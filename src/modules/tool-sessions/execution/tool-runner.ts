import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { extname, join } from 'node:path';
import type { Counter, Histogram } from 'prom-client';
import { type Pool, pool, Promise as WorkerPromise, TerminateError } from 'workerpool';
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
import { type ToolTask, WORKER_METHODS } from './tool-task';

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
/** What a worker wrote to stderr is kept, this much of it, for the log line of its death. */
const STDERR_KEPT = 4_000;
/** How long a worker process may take to start a run it was handed, on top of the timeout. */
const WORKER_START_ALLOWANCE_MS = 10_000;
/** What a worker process says during a run: that the tool started, and its output. */
interface WorkerEvent {
  started?: boolean;
  stderr?: string;
  stdout?: string;
}
/** A worker past its timeout is killed this soon (it cannot answer a polite request while busy). */
const KILL_AFTER_MS = 100;

/**
 * Runs tools within their bounds (API.md §5): TOOL_TIMEOUT_MS, TOOL_MAX_RESULT_BYTES and, for
 * worker tools, a process of their own. Worker tools run in a pool of child processes (workerpool,
 * `workerType: 'process'`): a tool stuck in a loop is killed at the timeout, and one that
 * allocates past TOOL_WORKER_MEMORY_MB ends its own process — threads could not contain that
 * (V8 aborts the whole process on some out-of-memory paths, issue 21) — and either way the process
 * is replaced and only that run fails. Runs share the workers fairly (ToolCapacity): a user's
 * runs beyond their share wait in their own line, and a full line is `429 TOOL_CAPACITY`.
 * Event-loop tools get an AbortSignal and are abandoned at the timeout. Apart from capacity
 * refusals (before anything runs), nothing here throws: every way a tool ends becomes an outcome.
 */
@Injectable()
export class ToolRunner implements OnApplicationShutdown {
  private readonly logger = new Logger('ToolRunner');
  private pool: Pool | undefined;
  /** The worker processes, shared out. */
  private readonly workerCapacity: ToolCapacity;
  /**
   * Event-loop tools hold a database connection while they run: at most half the pool at once,
   * shared out the same way, so one user's searches cannot take the connections from everyone.
   */
  private readonly eventLoopCapacity: ToolCapacity;
  private stopping = false;

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
  warmedUp: Promise<void> = Promise.resolve();

  /** Starts the worker processes, with the worker tools' files loaded. */
  start(toolFiles: string[]): void {
    const { workers, workerMemoryMb } = this.config.tools;
    const fromSource = extname(__filename) === '.ts';
    this.pool = pool(this.workerScript(), {
      workerType: 'process',
      // asked again for each process it starts (a replacement too)
      onCreateWorker: () => ({ script: this.workerScript() }),
      // all started at once and kept: a run never waits for a process to start, and one killed
      // at a timeout (or dead) is replaced as soon as it is gone
      minWorkers: workers,
      maxWorkers: workers,
      workerTerminateTimeout: KILL_AFTER_MS,
      // their output is logged as JSON lines, not mixed raw into the service's own
      emitStdStreams: true,
      forkArgs: [JSON.stringify(toolFiles)],
      forkOpts: {
        // from TypeScript sources (tests, `npm run start:dev`) the processes compile them too;
        // nothing else of this process's flags (a profiler, a preload) is passed on
        execArgv: [
          ...(fromSource ? ['--require', require.resolve('ts-node/register/transpile-only')] : []),
          `--max-old-space-size=${workerMemoryMb}`,
        ],
        // no secret of the service's environment reaches the process that runs untrusted input
        env: { NODE_ENV: this.config.nodeEnv },
      },
    });
    const warmUp = () => this.onPool(WORKER_METHODS.warmUp, []);
    this.warmedUp = Promise.all(Array.from({ length: workers }, warmUp)).then(
      () => undefined,
      (error: unknown) => {
        // shutting down before the workers were up is not a failure; anything else is logged once
        if (this.stopping) return;
        this.logger.warn(
          { reason: messageOf(error) },
          'tool workers did not start; retried per run',
        );
      },
    );
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

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.pool?.terminate(true);
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
          ? await this.onWorker(tool, ctx, params)
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

  private onWorker(
    tool: RegisteredTool,
    ctx: ToolContext,
    params: Record<string, unknown>,
  ): Promise<SerialisedResult> {
    if (!tool.source) throw new Error(`worker tool ${tool.definition.name} has no source file`);
    const task: ToolTask = {
      ...tool.source,
      ctx: { sessionId: ctx.sessionId, userId: ctx.userId, casefileId: ctx.casefileId },
      params,
      maxResultBytes: this.config.tools.maxResultBytes,
    };
    const { timeoutMs } = this.config.tools;
    let timer: NodeJS.Timeout | undefined;
    return (
      this.onPool(WORKER_METHODS.run, [task], {
        // TOOL_TIMEOUT_MS counts from the moment the tool starts in its process, not from the
        // hand-over: a replacement process still starting (after another user's run was killed)
        // is not this run's time
        started: (pending) => {
          timer = setTimeout(() => void pending.cancel(), timeoutMs);
        },
        // a process that never starts the tool is given up on after its start-up allowance too
        handedOver: (pending) => void pending.timeout(timeoutMs + WORKER_START_ALLOWANCE_MS),
      }) as Promise<SerialisedResult>
    ).finally(() => clearTimeout(timer));
  }

  /**
   * A task on the pool. A worker process that dies under it (out of memory, killed, or one that
   * never started: its files missing while a build replaces them) fails this task as WorkerLost;
   * workerpool replaces the process for the next one.
   */
  private async onPool(
    method: string,
    args: unknown[],
    arm: {
      handedOver?: (pending: WorkerPromise<unknown>) => void;
      started?: (pending: WorkerPromise<unknown>) => void;
    } = {},
  ): Promise<unknown> {
    if (!this.pool) throw new WorkerLost('the tool workers are not started');
    let stderr = '';
    const pending: WorkerPromise<unknown> = this.pool.exec(method, args, {
      // workerpool calls this for every task the process runs: it must always be given
      on: (payload: WorkerEvent) => {
        if (payload.started) arm.started?.(pending);
        if (payload.stderr && stderr.length < STDERR_KEPT) {
          stderr = (stderr + payload.stderr).slice(0, STDERR_KEPT);
        }
      },
    });
    arm.handedOver?.(pending);
    try {
      return await pending;
    } catch (error) {
      if (!(error instanceof TerminateError)) throw error;
      const lost = new WorkerLost(
        /heap out of memory|heap limit/i.test(stderr)
          ? `The tool ran out of memory (its worker is limited to ${this.config.tools.workerMemoryMb} MB) and was stopped`
          : 'The tool worker stopped before the tool finished; it is replaced',
      );
      if (!this.stopping) {
        // V8's own account of it ("FATAL ERROR: … heap out of memory"), not the native stack after
        const cause = /^.*(FATAL|Error).*$/m.exec(stderr)?.[0] ?? stderr.slice(0, 300);
        this.logger.warn({ stderr: cause.slice(0, 300), method }, 'tool worker process died');
      }
      throw lost;
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

/** The worker process running a task died or never started. */
class WorkerLost extends Error {}

/** An error's message, read by shape: errors from a worker process arrive as plain objects. */
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : '';
}

function failed(code: ToolErrorCode, message: string) {
  // a tool's message may quote its input or output: it is stored too
  const error = { code, message: toStorableText(message) };
  return { status: 'failed' as const, resultJson: null, error };
}
