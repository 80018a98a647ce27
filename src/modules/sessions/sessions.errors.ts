import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RuleViolationError,
} from '../../platform/errors/domain-error';
import type { SessionKind } from './session';
import { type PermissionLevel } from '../access';

const NOT_FOUND = { tool: 'NF_TOOL_SESSION', chat: 'NF_CHAT_SESSION' } as const;
const NAME = { tool: 'Tool session', chat: 'Chat session' } as const;

/** No such session of that kind, or one the caller may not see: the two look the same. */
export class SessionNotFoundError extends NotFoundError {
  constructor(kind: SessionKind, details?: Record<string, unknown>) {
    super(NOT_FOUND[kind], `${NAME[kind]} not found`, details);
  }
}

/**
 * Only unattached sessions can join a casefile (API.md §4); the caller's own session already in
 * another casefile is not one of them. The contract has no code of its own for this, so it is the
 * session lookup's 404 with a reason (the session is the caller's: nothing is revealed).
 */
export class SessionAttachedError extends SessionNotFoundError {
  constructor(kind: SessionKind) {
    super(kind, { reason: 'attached_to_another_casefile' });
  }
}

/** Viewers of its casefile may read a session; only its creator may use or close it. */
export class NotSessionCreatorError extends ForbiddenError {
  constructor(actual: PermissionLevel | null) {
    super('AUTH_FORBIDDEN', "Only the session's creator may do this", {
      required: 'creator',
      actual,
    });
  }
}

export class SessionClosedError extends RuleViolationError {
  constructor(message = 'The session is closed') {
    super('BR_SESSION_CLOSED', message);
  }
}

export class SessionExpiredError extends RuleViolationError {
  constructor() {
    super('BR_SESSION_EXPIRED', 'The session has expired');
  }
}

export class SessionBusyError extends ConflictError {
  constructor() {
    super('CF_SESSION_BUSY', 'The session is still running another request; retry when it ends');
  }
}
