import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

declare module 'http' {
  interface IncomingMessage {
    /** The request id, fixed by requestIdMiddleware before anything else runs. */
    id?: string;
  }
}

const VALID_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const REQUEST_ID_HEADER = 'X-Request-ID';

/** A client's X-Request-ID when it is 1–128 chars of [A-Za-z0-9._-]; otherwise a new UUID. */
export function acceptOrCreateRequestId(header: string | string[] | undefined): string {
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && VALID_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}

/**
 * The first middleware: fixes the request id before anything can answer, so every response
 * (including 401s from guards and 503s while shutting down) and every log line carries it.
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const id = acceptOrCreateRequestId(req.headers['x-request-id']);
  req.id = id;
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}

/** The id requestIdMiddleware fixed for this request (always a string by then). */
export function requestIdOf(req: { id?: unknown }): string {
  return typeof req.id === 'string' ? req.id : 'unknown';
}
