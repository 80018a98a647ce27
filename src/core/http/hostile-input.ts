import type { NextFunction, Request, Response } from 'express';
import { type FieldError, RequestValidationError } from '../errors/system.errors';

/**
 * How deep a JSON body may nest (objects and arrays). Far past any resource the API takes — a
 * Gmail message's MIME tree nests a few levels, each two in JSON — and far short of what would
 * overflow a recursive walk (validation, hashing, parsing).
 */
export const MAX_JSON_DEPTH = 64;

/** A NUL (which PostgreSQL text cannot hold) or a UTF-16 surrogate without its pair. */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const join = (path: string, key: string | number) => (path === '' ? String(key) : `${path}.${key}`);

/**
 * The first thing in a parsed JSON value that nothing after the edge may meet: a string (value
 * or key) holding a NUL or a lone surrogate, or nesting deeper than `maxDepth`. Iterative, so
 * the walk itself cannot overflow; linear in the value's size. Undefined when it is clean.
 */
export function findHostileInput(
  value: unknown,
  maxDepth = MAX_JSON_DEPTH,
  root = '',
): FieldError | undefined {
  const stack: [unknown, string, number][] = [[value, root, 0]];
  while (stack.length > 0) {
    const [current, path, depth] = stack.pop() as [unknown, string, number];
    if (typeof current === 'string') {
      if (UNSTORABLE.test(current)) return unstorable(path);
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= maxDepth) {
      return { field: path || 'body', message: `nests deeper than ${maxDepth} levels` };
    }
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        stack.push([current[index], join(path, index), depth + 1]);
      }
      continue;
    }
    const entries: [string, unknown][] = Object.entries(current);
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, child] = entries[index];
      if (UNSTORABLE.test(key)) return unstorable(join(path, key.replace(UNSTORABLE, '?')));
      stack.push([child, join(path, key), depth + 1]);
    }
  }
  return undefined;
}

function unstorable(field: string): FieldError {
  return {
    field: field || 'body',
    message: `${field || 'body'} must not contain a NUL character or an unpaired UTF-16 surrogate`,
  };
}

const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

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
