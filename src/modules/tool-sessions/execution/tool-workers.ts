import { Logger } from '@nestjs/common';
import { extname } from 'node:path';
import { type Pool, pool, type Promise as WorkerPromise, TerminateError } from 'workerpool';
import type { AppConfig } from '../../../config/app-config';
import type { RegisteredTool } from '../registry/tool-registry';
import type { ToolContext } from '../registry/tool.decorator';
import type { SerialisedResult } from './tool-result';
import { type ToolTask, WORKER_METHODS } from './tool-task';

/** What a worker wrote to stderr is kept, this much of it, for the log line of its death. */
const STDERR_KEPT = 4_000;
/** How long a worker process may take to start a run it was handed, on top of the timeout. */
const WORKER_START_ALLOWANCE_MS = 10_000;
/** A worker past its timeout is killed this soon (it cannot answer a polite request while busy). */
const KILL_AFTER_MS = 100;

/** What a worker process says during a run: that the tool started, and its output. */
interface WorkerEvent {
  started?: boolean;
  stderr?: string;
  stdout?: string;
}

/** The worker process running a task died or never started. */
export class WorkerLost extends Error {}

/** An error's message, read by shape: errors from a worker process arrive as plain objects. */
export function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : '';
}

/**
 * The child processes worker tools run in (workerpool, `workerType: 'process'`): a tool stuck in
 * a loop is killed at the timeout, and one that allocates past TOOL_WORKER_MEMORY_MB ends its own
 * process — threads could not contain that (V8 aborts the whole process on some out-of-memory
 * paths, issue 21) — and either way the process is replaced and only that run fails.
 */
export class ToolWorkers {
  private readonly logger = new Logger('ToolRunner');
  private pool: Pool | undefined;
  private stopping = false;
  /** Settles once every worker has answered a task (its tools' files loaded). */
  warmedUp: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: Pick<AppConfig, 'tools' | 'nodeEnv'>,
    /** The file a worker process runs, asked again for each process started. */
    private readonly script: () => string,
  ) {}

  /** Starts the worker processes, with the worker tools' files loaded. */
  start(toolFiles: string[]): void {
    const { workers, workerMemoryMb } = this.config.tools;
    const fromSource = extname(__filename) === '.ts';
    this.pool = pool(this.script(), {
      workerType: 'process',
      // asked again for each process it starts (a replacement too)
      onCreateWorker: () => ({ script: this.script() }),
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
    const warmUp = () => this.exec(WORKER_METHODS.warmUp, []);
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

  /** Kills the processes, running tools and all. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.pool?.terminate(true);
  }

  /**
   * One run of a worker tool. TOOL_TIMEOUT_MS counts from the moment the tool starts in its
   * process; past it the process is killed (workerpool rejects with a CancellationError).
   */
  run(
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
      this.exec(WORKER_METHODS.run, [task], {
        // not from the hand-over: a replacement process still starting (after another user's
        // run was killed) is not this run's time
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
  private async exec(
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
}
