import { NotFoundError, RuleViolationError } from '../../core/errors/domain-error';

export class ToolSessionNotFoundError extends NotFoundError {
  constructor() {
    super('NF_TOOL_SESSION', 'Tool session not found');
  }
}

/**
 * Only unattached sessions can join a casefile (API.md §4); the caller's own session already in
 * another casefile is not one of them. The contract has no code of its own for this, so it is the
 * session lookup's 404 with a reason (the session is the caller's: nothing is revealed).
 */
export class SessionAttachedError extends NotFoundError {
  constructor() {
    super('NF_TOOL_SESSION', 'The session already belongs to another casefile', {
      reason: 'attached_to_another_casefile',
    });
  }
}

export class SessionClosedError extends RuleViolationError {
  constructor() {
    super('BR_SESSION_CLOSED', 'The session is closed');
  }
}

export class SessionExpiredError extends RuleViolationError {
  constructor() {
    super('BR_SESSION_EXPIRED', 'The session has expired');
  }
}
