import type { ToolContext } from '../registry/tool.decorator';

/** One execution, as the ToolRunner sends it to a worker process. */
export interface ToolTask {
  file: string;
  exportName: string;
  ctx: Omit<ToolContext, 'signal' | 'actor'>;
  params: Record<string, unknown>;
  maxResultBytes: number;
}

/** The methods a tool worker process serves. */
export const WORKER_METHODS = { run: 'run', warmUp: 'warmUp' } as const;
