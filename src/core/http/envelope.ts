import type { ErrorCode } from '../../platform/errors/error-codes';

/** `meta` of every envelope (API.md §1.1). Optional fields appear only when they apply. */
export interface ResponseMeta {
  request_id: string;
  timestamp: string;
  operation?: string;
  hooks?: string[];
  /** What the request's hooks add (RequestContext.responseMeta), e.g. `session_id`. */
  [field: string]: unknown;
}

export interface ErrorObject {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export interface Envelope<T> {
  data: T | null;
  meta: ResponseMeta;
  errors: ErrorObject[];
}

export function successEnvelope<T>(data: T, meta: ResponseMeta): Envelope<T> {
  return { data: data === undefined ? null : data, meta, errors: [] };
}

export function errorEnvelope(error: ErrorObject, meta: ResponseMeta): Envelope<never> {
  return { data: null, meta, errors: [error] };
}
