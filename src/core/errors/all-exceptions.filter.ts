import {
  type ArgumentsHost,
  BadRequestException,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { ClsServiceManager } from 'nestjs-cls';
import { errorEnvelope } from '../http/envelope';
import { requestIdOf } from '../http/request-id';
import { buildMeta } from '../hub/request-context';
import { currentRequest, type HubClsStore } from '../hub/work-context';
import {
  isDatabaseUnavailableError,
  isStatementTimeoutError,
} from '../../platform/database/database-unavailable';
import { DomainError, TooManyRequestsError } from '../../platform/errors/domain-error';
import type { ErrorCode } from '../../platform/errors/error-codes';
import {
  BodyTooLargeError,
  DatabaseUnavailableError,
  RouteNotFoundError,
  ShuttingDownError,
  StatementTimeoutError,
} from '../../platform/errors/system.errors';

/** An HttpException thrown by Nest or a library, carried under the contract code for its status. */
class MappedHttpError extends DomainError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
  }
}

class InternalError extends DomainError {
  constructor() {
    super('SYS_INTERNAL', 'An unexpected error occurred');
  }
}

const CODE_FOR_HTTP_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'VAL_FAILED',
  401: 'AUTH_MISSING_TOKEN',
  403: 'AUTH_FORBIDDEN',
  429: 'RATE_LIMIT_EXCEEDED',
};

/**
 * Any thrown value in the contract's vocabulary: domain errors as they are, Nest's HTTP
 * exceptions by status, database outages as 503, everything else as SYS_INTERNAL. Shared by the
 * filter (the response), the hooks (the recorded status) and work that reports its own failure
 * (a chat turn's `error` event). `req` is the request's route, when there is one: only a request
 * can miss a route.
 */
export function toDomainError(
  exception: unknown,
  req?: { method: string; path: string },
): DomainError {
  if (exception instanceof DomainError) return exception;
  if (isStatementTimeoutError(exception)) return new StatementTimeoutError();
  if (isDatabaseUnavailableError(exception)) return new DatabaseUnavailableError();
  if (exception instanceof NotFoundException && req) {
    return new RouteNotFoundError(req.method, req.path);
  }
  if (exception instanceof PayloadTooLargeException) return new BodyTooLargeError(0);
  if (exception instanceof BadRequestException) {
    return new MappedHttpError('VAL_FAILED', exception.message);
  }
  if (exception instanceof HttpException) {
    const code = CODE_FOR_HTTP_STATUS[exception.getStatus()];
    if (code) return new MappedHttpError(code, exception.message);
  }
  return new InternalError();
}

/**
 * The one exception filter (ARCHITECTURE §2.2): every error leaves as the contract's envelope with
 * a stable code. Only SYS_INTERNAL is logged with its stack; the client never sees internals.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const error = toDomainError(exception, req);

    if (error.code === 'SYS_INTERNAL') {
      this.logger.error({ err: exception }, 'unhandled error');
    } else if (error.code === 'SYS_DATABASE_UNAVAILABLE') {
      this.logger.warn({ err: exception }, 'database unavailable');
    } else if (error.code === 'SYS_STATEMENT_TIMEOUT') {
      this.logger.warn({ err: exception }, 'statement timeout');
    }
    if (res.headersSent) {
      // A stream already started (SSE): its own error event reports the failure.
      res.end();
      return;
    }
    if (error instanceof TooManyRequestsError) {
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
    }
    if (error instanceof ShuttingDownError) res.setHeader('Connection', 'close');

    const cls = ClsServiceManager.getClsService<HubClsStore>();
    const ctx = currentRequest(cls);
    const body = errorEnvelope(
      {
        code: error.code,
        message: error.message,
        ...(error.details && { details: error.details }),
      },
      buildMeta(requestIdOf(req), ctx),
    );
    res.status(error.status).json(body);
  }
}
