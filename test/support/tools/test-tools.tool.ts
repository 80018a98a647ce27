import {
  Tool,
  type ToolContext,
  type ToolImplementation,
} from '../../../src/modules/tool-sessions/registry/tool.decorator';
import { Sql } from '../../../src/platform/database/sql';

/** Busy for `ms` milliseconds without ever yielding; `forever` never returns. */
@Tool({
  name: 'test.spin',
  description: 'Test only: a synchronous CPU loop',
  parameters: {
    type: 'object',
    properties: { ms: { type: 'integer', minimum: 0 }, forever: { type: 'boolean' } },
    additionalProperties: false,
  },
})
export class SpinTool implements ToolImplementation {
  execute(_ctx: ToolContext, params: { ms?: number; forever?: boolean }) {
    const until = Date.now() + (params.ms ?? 0);
    while (params.forever || Date.now() < until) {
      // spin
    }
    return { spun_ms: params.ms ?? 0, session_id: _ctx.sessionId };
  }
}

@Tool({
  name: 'test.throw',
  description: 'Test only: throws',
  parameters: { type: 'object', additionalProperties: false },
})
export class ThrowTool implements ToolImplementation {
  execute(): never {
    throw new Error('the tool broke on purpose');
  }
}

@Tool({
  name: 'test.big',
  description: 'Test only: a result of about `bytes` bytes',
  parameters: {
    type: 'object',
    properties: { bytes: { type: 'integer', minimum: 0 } },
    required: ['bytes'],
    additionalProperties: false,
  },
})
export class BigTool implements ToolImplementation {
  execute(_ctx: ToolContext, params: { bytes: number }) {
    return { text: 'x'.repeat(params.bytes) };
  }
}

/** An event-loop tool (I/O-shaped): waits, or never settles. */
@Tool({
  name: 'test.wait',
  description: 'Test only: waits on the event loop',
  parameters: {
    type: 'object',
    properties: { ms: { type: 'integer', minimum: 0 }, forever: { type: 'boolean' } },
    additionalProperties: false,
  },
  runsIn: 'event-loop',
})
export class WaitTool implements ToolImplementation {
  async execute(ctx: ToolContext, params: { ms?: number; forever?: boolean }) {
    if (params.forever) return new Promise(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, params.ms ?? 0));
    return { waited_ms: params.ms ?? 0, aborted: ctx.signal?.aborted ?? false };
  }
}

/** Grows an array without bound: the memory a worker process may hold runs out. */
@Tool({
  name: 'test.allocate',
  description: 'Test only: allocates until the worker runs out of memory',
  parameters: { type: 'object', additionalProperties: false },
})
export class AllocateTool implements ToolImplementation {
  execute(): never {
    const hoard: number[][] = [];
    for (;;) hoard.push(new Array<number>(1_000_000).fill(hoard.length));
  }
}

/** An event-loop tool whose statement fails in PostgreSQL (a division by zero). */
@Tool({
  name: 'test.sql_error',
  description: 'Test only: a statement that fails',
  parameters: { type: 'object', additionalProperties: false },
  runsIn: 'event-loop',
})
export class SqlErrorTool implements ToolImplementation {
  constructor(private readonly sql: Sql) {}

  async execute(): Promise<unknown> {
    return this.sql.rows('SELECT 1 / 0 AS never');
  }
}
