import {
  ForbiddenError,
  NotFoundError,
  RuleViolationError,
} from '../../platform/errors/domain-error';
import type { PermissionLevel } from './permission-level';

/** No such casefile, a deleted one, or one the caller may not see: the three look the same. */
export class CasefileNotFoundError extends NotFoundError {
  constructor() {
    super('NF_CASEFILE', 'Casefile not found');
  }
}

export class InsufficientPermissionError extends ForbiddenError {
  constructor(required: PermissionLevel, actual: PermissionLevel) {
    super('AUTH_FORBIDDEN', `This needs ${required} permission on the casefile`, {
      required,
      actual,
    });
  }
}

export class OwnerPermissionError extends RuleViolationError {
  constructor() {
    super(
      'BR_OWNER_PERMISSION',
      "The owner's permission cannot be granted, changed or revoked here; an administrator transfers ownership",
    );
  }
}
