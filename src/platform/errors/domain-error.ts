import { type CodeWithStatus, type ErrorCode, statusOf } from './error-codes';

export type ErrorDetails = Record<string, unknown>;

/**
 * The base of every error the service means to return. Its HTTP status is read from the code
 * catalogue, so a code and its status can never disagree; the kinds below only narrow which codes
 * each may carry (a NotFoundError cannot be built with a 409 code: it does not compile).
 */
export abstract class DomainError extends Error {
  readonly status: number;

  protected constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = new.target.name;
    this.status = statusOf(code);
  }
}

export class InvalidInputError extends DomainError {
  constructor(code: CodeWithStatus<400>, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(code: CodeWithStatus<401>, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

export class ForbiddenError extends DomainError {
  constructor(code: CodeWithStatus<403>, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(code: CodeWithStatus<404>, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

export class ConflictError extends DomainError {
  constructor(code: CodeWithStatus<409>, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

export class PreconditionFailedError extends DomainError {
  constructor(code: CodeWithStatus<412>, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(message: string, details?: ErrorDetails) {
    super('VAL_PAYLOAD_TOO_LARGE', message, details);
  }
}

export class RuleViolationError extends DomainError {
  constructor(code: CodeWithStatus<422>, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

/** 429s tell the client when to come back; the filter turns this into `Retry-After`. */
export class TooManyRequestsError extends DomainError {
  constructor(
    code: CodeWithStatus<429>,
    message: string,
    readonly retryAfterSeconds: number,
    details?: ErrorDetails,
  ) {
    super(code, message, details);
  }
}

export class UpstreamError extends DomainError {
  constructor(code: CodeWithStatus<502 | 504>, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

export class UnavailableError extends DomainError {
  constructor(code: CodeWithStatus<503>, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}
