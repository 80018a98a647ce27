import { workerData } from 'piscina';
import type { ToolContext, ToolImplementation } from '../registry/tool.decorator';
import { type SerialisedResult, serialiseResult } from './tool-result';

/** One execution, as the ToolRunner sends it to a worker thread. */
export interface ToolTask {
  file: string;
  exportName: string;
  ctx: Omit<ToolContext, 'signal'>;
  params: Record<string, unknown>;
  maxResultBytes: number;
}

/** A task that only proves the thread is up (its tools' files loaded). */
export interface WarmUp {
  warmUp: true;
}

type ToolClass = new () => ToolImplementation;

// the tool files are loaded when the thread starts, not on its first task
for (const file of (workerData as { toolFiles?: string[] } | undefined)?.toolFiles ?? []) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(file);
}

/**
 * Runs a worker tool on this thread (piscina's handler). The result is serialised here, so an
 * oversized one never crosses back to the event loop.
 */
export default async function runTool(task: ToolTask | WarmUp): Promise<SerialisedResult> {
  if ('warmUp' in task) return { json: 'null' };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Tool = (require(task.file) as Record<string, ToolClass>)[task.exportName];
  const result = await new Tool().execute(task.ctx, task.params);
  return serialiseResult(result, task.maxResultBytes);
}
