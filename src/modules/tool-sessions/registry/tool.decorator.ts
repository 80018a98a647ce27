import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import type { Actor } from '../../../core/hub/actor';

/** A JSON Schema (draft 2020-12 subset ajv checks), as the tool publishes it. */
export type JsonSchema = Record<string, unknown>;

export interface ToolDefinition {
  /** `area.verb` (`text.stats`), unique in the registry. */
  name: string;
  description: string;
  /** The JSON Schema of the parameters object; say `additionalProperties: false` to refuse extras. */
  parameters: JsonSchema & { type: 'object' };
  /** Runs only in a session that belongs to a casefile (else `422 BR_CASEFILE_REQUIRED`). */
  requiresCasefile?: boolean;
  /**
   * `worker` (default): pure computation, run in a worker process that is killed when it passes
   * TOOL_TIMEOUT_MS — even a tool stuck in a loop, or one that runs out of memory, cannot hold the
   * event loop or the service. Such a tool has no constructor dependencies and lives in a
   * `*.tool.ts` file loaded with `toolsIn()`.
   * `event-loop`: a tool that waits on I/O through injected services (the casefile tools); it is
   * given an AbortSignal and abandoned at the timeout, and runs outside the request's transaction
   * (a statement of its own that fails is its failure alone).
   */
  runsIn?: 'worker' | 'event-loop';
}

/** What a tool knows of the request it runs for. */
export interface ToolContext {
  sessionId: string;
  userId: string;
  casefileId: string | null;
  /** Aborted at the timeout (event-loop tools; a worker tool is simply terminated). */
  signal?: AbortSignal;
  /**
   * Who runs it (event-loop tools): the casefile tools check with it, on every call, that the
   * caller may still read the casefile.
   */
  actor?: Actor;
}

/** A tool: one class with `@Tool({...})` and `execute`. Its result must be JSON. */
export interface ToolImplementation {
  execute(ctx: ToolContext, params: Record<string, unknown>): unknown;
}

/**
 * A failure whose message is meant for the caller (recorded as `TOOL_FAILED` with it). Worker
 * tools' messages are always passed on (they reach nothing internal); an event-loop tool's
 * DomainError is recorded with its own code and message (a casefile no longer readable:
 * `NF_CASEFILE`); its other errors are logged and recorded as "The tool failed".
 */
export class ToolError extends Error {}

export const TOOL_METADATA = 'casefile-hub:tool';

/** Registers a class as a tool: found at start-up by the ToolRegistry (Nest's DiscoveryService). */
export function Tool(definition: ToolDefinition): ClassDecorator {
  return applyDecorators(SetMetadata(TOOL_METADATA, definition), Injectable());
}
