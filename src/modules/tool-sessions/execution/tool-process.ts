import { setPriority } from 'node:os';
import { worker, workerEmit } from 'workerpool';
import type { ToolImplementation } from '../registry/tool.decorator';
import { type SerialisedResult, serialiseResult } from './tool-result';
import { type ToolTask, WORKER_METHODS } from './tool-task';

/**
 * A tool worker process (started by the ToolRunner through workerpool). Its heap is capped by
 * `--max-old-space-size`, so a tool that allocates past it ends this process, never the service;
 * the runner replaces it. It runs at a lower CPU priority than the service, so tools cannot
 * starve the event loop (nor PostgreSQL) of the machine's cores.
 */

type ToolClass = new () => ToolImplementation;

// first, before the tool files load (compiling them is work too)
try {
  setPriority(10);
} catch {
  // a platform that does not let a process lower its own priority still runs tools
}

/** The tool files come as the one argument: loaded now, not on the first task. */
for (const file of JSON.parse(process.argv[2] ?? '[]') as string[]) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(file);
}

/** Runs one tool; its result is serialised here, so an oversized one never travels back. */
async function run(task: ToolTask): Promise<SerialisedResult> {
  // the runner's TOOL_TIMEOUT_MS counts from here (not from a start-up it was handed to)
  workerEmit({ started: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Tool = (require(task.file) as Record<string, ToolClass>)[task.exportName];
  const result = await new Tool().execute(task.ctx, task.params);
  return serialiseResult(result, task.maxResultBytes);
}

worker({ [WORKER_METHODS.run]: run, [WORKER_METHODS.warmUp]: () => null });
