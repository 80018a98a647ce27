import { ConflictError, RuleViolationError } from '../errors/domain-error';
import { RequestValidationError } from '../errors/system.errors';

export class IdempotencyInProgressError extends ConflictError {
  constructor() {
    super('CF_IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still running');
  }
}

export class IdempotencyKeyReusedError extends RuleViolationError {
  constructor() {
    super('CF_IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different body');
  }
}

export class InvalidIdempotencyKeyError extends RequestValidationError {
  constructor() {
    super([{ field: 'Idempotency-Key', message: 'Idempotency-Key must be 1-255 characters' }]);
  }
}
