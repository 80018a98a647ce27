import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { RequestMethod, Type } from '@nestjs/common';
import { json, type NextFunction, type Request, type Response } from 'express';
import { BodyTooLargeError, MalformedJsonError } from '../../platform/errors/system.errors';
import { OPERATION_METADATA, type OperationMetadata } from '../hub/operation.decorator';

export const MIB = 1024 * 1024;
/** The JSON body limit of every operation that does not declare its own (API.md §1). */
export const JSON_BODY_LIMIT_BYTES = MIB;

interface BodyParserError {
  type?: string;
  status?: number;
}

/** body-parser errors in the contract's vocabulary; anything else passes through untouched. */
function toContractError(error: unknown, limitBytes: number): unknown {
  const { type, status } = (error ?? {}) as BodyParserError;
  if (type === 'entity.too.large') return new BodyTooLargeError(limitBytes);
  if (status !== undefined && status >= 400 && status < 500) return new MalformedJsonError();
  return error;
}

/**
 * JSON bodies up to `limitBytes`; too large → 413, unparsable → 400 VAL_MALFORMED_JSON. A body an
 * earlier parser already read (a route with a larger limit) is left alone.
 */
export function jsonBody(limitBytes: number = JSON_BODY_LIMIT_BYTES) {
  const parse = json({ limit: limitBytes });
  return (req: Request, res: Response, next: NextFunction): void => {
    parse(req, res, (error?: unknown) =>
      next(error === undefined ? undefined : toContractError(error, limitBytes)),
    );
  };
}

export interface BodyLimitRoute {
  path: string;
  method: RequestMethod;
  limitBytes: number;
}

const joinPath = (...parts: string[]) =>
  parts
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');

/**
 * The routes whose `@Operation` declares its own body limit, read from the controllers'
 * metadata at start-up, so each gets its parser in front of the default one.
 */
export function bodyLimitRoutes(controllers: readonly Type[]): BodyLimitRoute[] {
  const routes: BodyLimitRoute[] = [];
  for (const controller of controllers) {
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined;
    const prototype = controller.prototype as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[key];
      if (key === 'constructor' || typeof handler !== 'function') continue;
      const operation = Reflect.getMetadata(OPERATION_METADATA, handler) as
        OperationMetadata | undefined;
      if (operation?.bodyLimitBytes === undefined) continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[];
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
      for (const prefix of [base ?? ''].flat()) {
        for (const own of [path].flat()) {
          routes.push({
            path: joinPath(prefix, own),
            method,
            limitBytes: operation.bodyLimitBytes,
          });
        }
      }
    }
  }
  return routes;
}
