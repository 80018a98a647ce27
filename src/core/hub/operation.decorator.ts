import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension, ApiOperation } from '@nestjs/swagger';
import type { ErrorCode } from '../../platform/errors/error-codes';

/** The OpenAPI extension that carries an operation's own error codes to completeOperations(). */
export const OPENAPI_ERRORS_EXTENSION = 'x-casefile-hub-errors';
/** The one that carries the codes a module's decorator implies (`@UsesSession`, …). */
export const OPENAPI_IMPLIED_ERRORS_EXTENSION = 'x-casefile-hub-implied-errors';

export interface OperationErrorFacts {
  codes: readonly ErrorCode[];
}

export interface OperationOptions {
  /**
   * Wrap the result in the envelope (default true). Off only for non-JSON answers: Prometheus
   * text, SSE streams.
   */
  envelope?: boolean;
  /**
   * Run handler and post hooks in one database transaction. Default: on for POST, PUT, PATCH and
   * DELETE, off for reads. Long-lived handlers (SSE) turn it off and manage their own.
   */
  transaction?: boolean;
  /**
   * The largest JSON body this operation takes, in bytes (default `JSON_BODY_LIMIT_BYTES`,
   * 1 MiB); the import routes take 10 MiB. Larger → `413 VAL_PAYLOAD_TOO_LARGE`.
   */
  bodyLimitBytes?: number;
  /**
   * The operation can also answer as Server-Sent Events: per request, a client that sends
   * `Accept: text/event-stream` gets the stream (the handler reads `@ResponseModeParam()` and
   * returns an async iterable of events), everyone else the JSON envelope. `'only'`: the
   * operation answers as a stream whatever the client accepts (a refusal is still JSON).
   */
  streams?: boolean | 'only';
  /**
   * The OpenAPI `operationId`, when it cannot be the name: two routes of one operation (a session
   * by id and the token's `current` one) share the name but need ids of their own.
   */
  operationId?: string;
  /** One line for Swagger UI and the OpenAPI document (required: every operation has one). */
  summary: string;
  /**
   * The error codes the operation's own code can answer (its service, its checks). What every
   * route of its kind can answer — validation, credentials, rate limits, Idempotency-Key, 413,
   * 500, 503 — is added by the OpenAPI document from the route itself, and what a module's route
   * decorator implies by `ImpliedErrors`.
   */
  errors?: readonly ErrorCode[];
}

export interface OperationMetadata extends OperationOptions {
  name: string;
}

export const OPERATION_METADATA = 'casefile-hub:operation';

/**
 * Names a handler's operation (the names of API.md). The one name is used by `meta.operation`,
 * the Swagger `operationId`, metrics and the audit log. Every route must carry one.
 */
export function Operation(name: string, options: OperationOptions): MethodDecorator {
  const metadata: OperationMetadata = { name, ...options };
  return applyDecorators(
    SetMetadata(OPERATION_METADATA, metadata),
    ApiOperation({ operationId: options.operationId ?? name, summary: options.summary }),
    // read (and removed) by completeOperations(), which documents every error the route answers
    ApiExtension(OPENAPI_ERRORS_EXTENSION, {
      codes: options.errors ?? [],
    } satisfies OperationErrorFacts),
  );
}

/**
 * The error codes a module's own route decorator brings with it (a session operation's lifecycle
 * codes), added to the operation's documented errors. One per handler.
 */
export function ImpliedErrors(codes: readonly ErrorCode[]): MethodDecorator {
  return ApiExtension(OPENAPI_IMPLIED_ERRORS_EXTENSION, {
    codes,
  } satisfies OperationErrorFacts);
}
