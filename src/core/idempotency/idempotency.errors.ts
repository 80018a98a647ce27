import { ConflictError, RuleViolationError } from '../../platform/errors/domain-error';
import { RequestValidationError } from '../../platform/errors/system.errors';

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

/**
 * A streamed answer cannot be stored and replayed as one response: a client that asks for the
 * stream resumes it instead (the stream's event ids), and uses the key with the JSON form.
 */
export class StreamNotIdempotentError extends RequestValidationError {
  constructor() {
    super([
      {
        field: 'Idempotency-Key',
        message: 'Idempotency-Key applies to JSON answers; omit it with Accept: text/event-stream',
      },
    ]);
  }
}
