import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { FieldError } from '../../../platform/errors/system.errors';
import { schemaFieldError } from '../../../core/http/json-schema-errors';
import { ToolNotFoundError, ToolParametersError } from '../tool-sessions.errors';
import { type ToolSource, toolSourceOf } from './tool-files';
import { TOOL_METADATA, type ToolDefinition, type ToolImplementation } from './tool.decorator';

/** A registered tool: its definition, its instance (event-loop tools) or source (worker tools). */
export interface RegisteredTool {
  definition: Required<ToolDefinition>;
  instance: ToolImplementation;
  /** Where a worker process loads it from (worker tools). */
  source?: ToolSource;
  validate: ValidateFunction;
}

/** An ajv error as a field of `VAL_TOOL_PARAMETERS` (`parameters.text`, `parameters.items.2`). */
const toFieldError = (error: ErrorObject): FieldError =>
  schemaFieldError(error, 'parameters', 'is not a parameter of this tool');

/**
 * The tools (API.md §5.1): every provider marked `@Tool()`, found at start-up with Nest's
 * DiscoveryService, its parameter schema compiled once by ajv. A broken definition (duplicate
 * name, invalid schema, a worker tool without a loadable file) stops the start-up.
 */
@Injectable()
export class ToolRegistry implements OnModuleInit {
  private readonly tools = new Map<string, RegisteredTool>();
  private readonly ajv = new Ajv({ allErrors: true, strict: true });
  private sorted: readonly RegisteredTool[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype as object | null;
      if (!type || !wrapper.instance) continue;
      const definition = Reflect.getMetadata(TOOL_METADATA, type) as ToolDefinition | undefined;
      if (definition) this.register(definition, wrapper.instance as ToolImplementation, type);
    }
    this.sorted = [...this.tools.values()].sort((a, b) =>
      a.definition.name.localeCompare(b.definition.name),
    );
  }

  /** Every tool, by name (sorted once, at start-up: chat turns offer the list on every turn). */
  list(): readonly RegisteredTool[] {
    return this.sorted;
  }

  get(name: string): RegisteredTool {
    const tool = this.tools.get(name);
    if (!tool) throw new ToolNotFoundError(name);
    return tool;
  }

  /** Checks parameters against the tool's schema: `400 VAL_TOOL_PARAMETERS` with every error. */
  assertValid(tool: RegisteredTool, parameters: unknown): void {
    if (tool.validate(parameters)) return;
    throw new ToolParametersError((tool.validate.errors ?? []).map(toFieldError));
  }

  private register(definition: ToolDefinition, instance: ToolImplementation, type: object): void {
    const name = definition.name;
    if (this.tools.has(name)) throw new Error(`two tools are named ${name}`);
    const full: Required<ToolDefinition> = {
      requiresCasefile: false,
      runsIn: 'worker',
      ...definition,
    };
    const source = toolSourceOf(type);
    if (full.runsIn === 'worker' && !source) {
      throw new Error(`worker tool ${name} must be loaded from its *.tool file with toolsIn()`);
    }
    let validate: ValidateFunction;
    try {
      validate = this.ajv.compile(definition.parameters);
    } catch (error) {
      throw new Error(`tool ${name}: invalid parameter schema: ${(error as Error).message}`);
    }
    this.tools.set(name, { definition: full, instance, source, validate });
  }
}
