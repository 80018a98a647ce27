import { json, type NextFunction, type Request, type Response } from 'express';
import { BodyTooLargeError, MalformedJsonError } from '../errors/system.errors';

export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

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

/** JSON bodies up to `limitBytes`; too large → 413, unparsable → 400 VAL_MALFORMED_JSON. */
export function jsonBody(limitBytes: number = JSON_BODY_LIMIT_BYTES) {
  const parse = json({ limit: limitBytes });
  return (req: Request, res: Response, next: NextFunction): void => {
    parse(req, res, (error?: unknown) =>
      next(error === undefined ? undefined : toContractError(error, limitBytes)),
    );
  };
}
