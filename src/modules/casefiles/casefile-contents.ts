import type { Provider } from '@nestjs/common';

/** The keys of a casefile's `counts`, in the order the API answers them. */
export const CASEFILE_COUNT_KEYS = [
  'tool_sessions',
  'chat_sessions',
  'gmail_messages',
  'drive_files',
  'sheets',
] as const;
export type CasefileCountKey = (typeof CASEFILE_COUNT_KEYS)[number];

/**
 * What a domain keeps in casefiles, as the casefile's `counts` shows it. Each domain module
 * describes its own table and provides it with `provideCasefileContents()`, so the casefiles
 * module reads no other module's table by name and imports none of them.
 */
export interface CasefileContent {
  readonly key: CasefileCountKey;
  /** A scalar SQL expression: how many items the casefile whose id is `casefileId` holds. */
  countSql(casefileId: string): string;
}

/** The contents one module provides; the casefiles module finds every such provider at start-up. */
export class CasefileContentList {
  constructor(readonly contents: readonly CasefileContent[]) {}
}

/** A provider of `contents` for the module that keeps them (`providers: [...]`). */
export function provideCasefileContents(
  module: string,
  contents: readonly CasefileContent[],
): Provider {
  return { provide: `casefile-contents:${module}`, useValue: new CasefileContentList(contents) };
}

/**
 * `counts` of the casefile row aliased `alias`, one count per key in the API's order. Every key
 * must be provided exactly once: a module left out of the app, or two claiming one key, stops the
 * start-up rather than answering counts that are silently wrong.
 */
export function countsSql(contents: readonly CasefileContent[]): (alias: string) => string {
  const byKey = new Map<CasefileCountKey, CasefileContent>();
  for (const content of contents) {
    if (byKey.has(content.key)) throw new Error(`casefile count ${content.key} provided twice`);
    byKey.set(content.key, content);
  }
  const missing = CASEFILE_COUNT_KEYS.filter((key) => !byKey.has(key));
  if (missing.length > 0)
    throw new Error(`casefile counts without a provider: ${missing.join(', ')}`);
  const ordered = CASEFILE_COUNT_KEYS.map((key) => byKey.get(key) as CasefileContent);
  return (alias) =>
    `json_build_object(${ordered
      .map((content) => `'${content.key}', ${content.countSql(`${alias}.id`)}`)
      .join(', ')}) AS counts`;
}
