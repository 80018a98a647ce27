import type { NextFunction, Request, Response } from 'express';
import { type FieldError, RequestValidationError } from '../../platform/errors/system.errors';

/**
 * How deep a JSON body may nest (objects and arrays). Far past any resource the API takes — a
 * Gmail message's MIME tree nests a few levels, each two in JSON — and far short of what would
 * overflow a recursive walk (validation, hashing, parsing).
 */
export const MAX_JSON_DEPTH = 64;

/** A NUL (which PostgreSQL text cannot hold) or a UTF-16 surrogate without its pair. */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

const join = (path: string, key: string | number) => (path === '' ? String(key) : `${path}.${key}`);

/** What `UNSTORABLE` matches, with the engine's own checks (several times faster per string). */
const isUnstorable = (text: string): boolean => text.includes('\0') || !text.isWellFormed();

/**
 * A thing in a parsed JSON value that nothing after the edge may meet: a string (value
 * or key) holding a NUL or a lone surrogate, or nesting deeper than `maxDepth`. Iterative, so
 * the walk itself cannot overflow; linear in the value's size. Undefined when it is clean.
 *
 * It runs over every body (an import's is up to 10 MiB), so it builds no string and no tuple per value: only
 * objects and arrays go on the stack, each with the index of its parent and its key, and a
 * field's path is spelled out only for the one refused.
 */
export function findHostileInput(
  value: unknown,
  maxDepth = MAX_JSON_DEPTH,
  root = '',
): FieldError | undefined {
  if (typeof value === 'string') return isUnstorable(value) ? unstorable(root) : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  // the containers met so far: the value, its parent's index, its key and its depth
  const containers: object[] = [value];
  const parents: number[] = [-1];
  const keys: (string | number)[] = [root];
  const depths: number[] = [0];
  const pathOf = (at: number, last?: string | number): string => {
    const parts: (string | number)[] = last === undefined ? [] : [last];
    for (let node = at; node > 0; node = parents[node]) parts.push(keys[node]);
    return parts.reduceRight<string>((path, key) => join(path, key), root);
  };
  const stack: number[] = [0];
  const visit = (at: number, key: string | number, child: unknown): FieldError | undefined => {
    if (typeof child === 'string') {
      return isUnstorable(child) ? unstorable(pathOf(at, key)) : undefined;
    }
    if (typeof child !== 'object' || child === null) return undefined;
    if (depths[at] + 1 >= maxDepth) return tooDeep(pathOf(at, key), maxDepth);
    stack.push(containers.push(child) - 1);
    parents.push(at);
    keys.push(key);
    depths.push(depths[at] + 1);
    return undefined;
  };
  if (maxDepth <= 0) return tooDeep(root, maxDepth);
  while (stack.length > 0) {
    const at = stack.pop() as number;
    const current = containers[at];
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        const problem = visit(at, index, current[index]);
        if (problem) return problem;
      }
      continue;
    }
    const names = Object.keys(current);
    for (let index = names.length - 1; index >= 0; index--) {
      const key = names[index];
      if (isUnstorable(key)) return unstorable(pathOf(at, key.replace(UNSTORABLE_ALL, '?')));
      const problem = visit(at, key, (current as Record<string, unknown>)[key]);
      if (problem) return problem;
    }
  }
  return undefined;
}

function tooDeep(field: string, maxDepth: number): FieldError {
  return { field: field || 'body', message: `nests deeper than ${maxDepth} levels` };
}

function unstorable(field: string): FieldError {
  return {
    field: field || 'body',
    message: `${field || 'body'} must not contain a NUL character or an unpaired UTF-16 surrogate`,
  };
}

/**
 * Text made storable: a NUL or a lone surrogate becomes U+FFFD. For what no client sent and no
 * one can refuse — a model's output, a tool's error message — where the edge never saw it.
 */
export const toStorableText = (text: string): string => text.replace(UNSTORABLE_ALL, '\uFFFD');

/** Refuses with `400 VAL_FAILED` (naming the field) what `findHostileInput` finds. */
export function assertNoHostileInput(value: unknown, maxDepth = MAX_JSON_DEPTH, root = ''): void {
  const problem = findHostileInput(value, maxDepth, root);
  if (problem) throw new RequestValidationError([problem]);
}

/**
 * The one edge (API.md §1): every string of the query and of the parsed JSON body is checked
 * once, here, before any pipe, hash or parser recurses over it or any statement carries it.
 */
export function hostileInputGuard(req: Request, _res: Response, next: NextFunction): void {
  const problem = findHostileInput(req.query, 8) ?? findHostileInput(req.body);
  next(problem ? new RequestValidationError([problem]) : undefined);
}
