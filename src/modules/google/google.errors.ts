import {
  NotFoundError,
  RuleViolationError,
  UnavailableError,
  UpstreamError,
} from '../../platform/errors/domain-error';
import { RequestValidationError } from '../../platform/errors/system.errors';

/** No such connection, or not the caller's (they look the same). */
export class GoogleConnectionNotFoundError extends NotFoundError {
  constructor() {
    super('NF_GOOGLE_CONNECTION', 'Google connection not found');
  }
}

/** This server has no OAuth client for Google (GOOGLE_CLIENT_ID and the rest are unset). */
export class GoogleNotConfiguredError extends UnavailableError {
  constructor() {
    super('SYS_GOOGLE_NOT_CONFIGURED', 'Google connections are not configured on this server');
  }
}

/** The callback's `state` is unknown, spent or past its 10 minutes: nothing to trust there. */
export class OAuthStateError extends RequestValidationError {
  constructor() {
    super([
      {
        field: 'state',
        message: 'state is unknown, already used or expired: start the connection again',
      },
    ]);
  }
}

/** The connection was revoked (by its user, or Google refused its grant): connect again. */
export class GoogleConnectionRevokedError extends RuleViolationError {
  constructor() {
    super(
      'BR_GOOGLE_CONNECTION_REVOKED',
      'The Google connection was revoked; connect the Google account again',
    );
  }
}

/** Google refused the code (expired, used, or not for this client): start the connection again. */
export class GoogleExchangeFailedError extends UpstreamError {
  constructor() {
    super('SYS_UPSTREAM_ERROR', 'Google refused the authorization; start the connection again');
  }
}

/** The connection lacks the scope a source needs (the user unticked it at Google's consent). */
export class GoogleScopeMissingError extends RuleViolationError {
  constructor(scope: string) {
    super(
      'BR_GOOGLE_SCOPE_MISSING',
      `The Google connection was not granted ${scope}; connect again and grant it`,
    );
  }
}
