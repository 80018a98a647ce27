import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Type } from '@nestjs/common';
import { TOOL_METADATA } from './tool.decorator';

/** Where a tool class can be loaded from, by a worker process. */
export interface ToolSource {
  file: string;
  exportName: string;
}

const sources = new WeakMap<object, ToolSource>();

/**
 * Every tool class in the `*.tool.ts` (built: `.js`) files of `dir`: a module lists them as
 * providers with `...toolsIn(dir)`, so adding a tool is adding one file. Remembers each class's
 * file, so a worker process can load the same class.
 */
export function toolsIn(dir: string): Type[] {
  const tools: Type[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!/\.tool\.(js|ts)$/.test(name) || name.endsWith('.d.ts')) continue;
    const file = join(dir, name);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exports = require(file) as Record<string, unknown>;
    for (const [exportName, value] of Object.entries(exports)) {
      if (typeof value !== 'function' || !Reflect.getMetadata(TOOL_METADATA, value)) continue;
      sources.set(value, { file, exportName });
      tools.push(value as Type);
    }
  }
  return tools;
}

/** The file a tool class was loaded from by `toolsIn()`, if it was. */
export function toolSourceOf(toolClass: object): ToolSource | undefined {
  return sources.get(toolClass);
}
