import {
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  UnavailableError,
} from './domain-error';

export interface FieldError {
  field: string;
  message: string;
}

export class RequestValidationError extends InvalidInputError {
  constructor(fields: FieldError[]) {
    super('VAL_FAILED', 'Request validation failed', { fields });
  }
}

export class MalformedJsonError extends InvalidInputError {
  constructor() {
    super('VAL_MALFORMED_JSON', 'The request body must be a valid JSON object or array');
  }
}

export class BodyTooLargeError extends PayloadTooLargeError {
  constructor(limitBytes: number) {
    super(`The request body exceeds ${limitBytes} bytes`, { limit_bytes: limitBytes });
  }
}

export class RouteNotFoundError extends NotFoundError {
  constructor(method: string, path: string) {
    super('NF_ROUTE', `No route for ${method} ${path}`);
  }
}

export class DatabaseUnavailableError extends UnavailableError {
  constructor() {
    super('SYS_DATABASE_UNAVAILABLE', 'The database is unavailable; retry shortly');
  }
}

/** One request's statement ran past DB_STATEMENT_TIMEOUT_MS and was cancelled. */
export class StatementTimeoutError extends UnavailableError {
  constructor() {
    super(
      'SYS_STATEMENT_TIMEOUT',
      'The request took too long in the database and was cancelled; the database is fine',
    );
  }
}

export class ShuttingDownError extends UnavailableError {
  constructor() {
    super('SYS_SHUTTING_DOWN', 'The service is shutting down; retry shortly');
  }
}
