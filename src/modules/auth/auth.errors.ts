import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RuleViolationError,
  TooManyRequestsError,
  UnauthorizedError,
} from '../../platform/errors/domain-error';

export class MissingCredentialsError extends UnauthorizedError {
  constructor() {
    super('AUTH_MISSING_TOKEN', 'Send a bearer token (Authorization) or an API key (X-API-Key)');
  }
}

export class InvalidTokenError extends UnauthorizedError {
  constructor() {
    super('AUTH_INVALID_TOKEN', 'The access token is not valid');
  }
}

export class ExpiredTokenError extends UnauthorizedError {
  constructor() {
    super('AUTH_EXPIRED_TOKEN', 'The access token has expired');
  }
}

export class InvalidCredentialsError extends UnauthorizedError {
  constructor() {
    super('AUTH_INVALID_CREDENTIALS', 'Email or password is wrong');
  }
}

export class InvalidRefreshTokenError extends UnauthorizedError {
  constructor() {
    super('AUTH_INVALID_TOKEN', 'The refresh token is not valid');
  }
}

export class RefreshTokenReusedError extends UnauthorizedError {
  constructor() {
    super(
      'AUTH_REFRESH_REUSED',
      'This refresh token was already used; the login has been revoked, sign in again',
    );
  }
}

export class AccountDisabledError extends ForbiddenError {
  constructor() {
    super('AUTH_ACCOUNT_DISABLED', 'The account is disabled');
  }
}

export class TooManyLoginAttemptsError extends TooManyRequestsError {
  constructor(retryAfterSeconds: number) {
    super('AUTH_TOO_MANY_ATTEMPTS', 'Too many failed logins; try again later', retryAfterSeconds);
  }
}

export class DuplicateEmailError extends ConflictError {
  constructor() {
    super('CF_DUPLICATE_EMAIL', 'A user with this email already exists');
  }
}

export class DuplicateUsernameError extends ConflictError {
  constructor() {
    super('CF_DUPLICATE_USERNAME', 'A user with this username already exists');
  }
}

export class WeakPasswordError extends RuleViolationError {
  constructor(reasons: string[]) {
    super('BR_WEAK_PASSWORD', 'The password does not meet the password policy', { reasons });
  }
}

export class InvalidApiKeyError extends UnauthorizedError {
  constructor() {
    super('AUTH_INVALID_API_KEY', 'The API key is unknown, revoked or expired');
  }
}

export class ApiKeyNotFoundError extends NotFoundError {
  constructor() {
    super('NF_API_KEY', 'API key not found');
  }
}

/** A read-only API key on a route that changes something. */
export class ReadOnlyKeyError extends ForbiddenError {
  constructor() {
    super('AUTH_FORBIDDEN', 'This API key is read-only', { required: 'write', actual: 'read' });
  }
}

export class SessionTokenNeedsLoginError extends ForbiddenError {
  constructor() {
    super(
      'AUTH_FORBIDDEN',
      'Session tokens are issued to logins (bearer tokens), not to API keys',
      {
        required: 'bearer_token',
        actual: 'api_key',
      },
    );
  }
}

export class UserNotFoundError extends NotFoundError {
  constructor() {
    super('NF_USER', 'User not found');
  }
}

export class SuperAdminRequiredError extends ForbiddenError {
  constructor(actual: string) {
    super('AUTH_FORBIDDEN', 'Only a super_admin may change admin roles or admin accounts', {
      required: 'super_admin',
      actual,
    });
  }
}

export class LastSuperAdminError extends ForbiddenError {
  constructor() {
    super('AUTH_FORBIDDEN', 'The last active super_admin cannot be demoted or disabled', {
      reason: 'last_active_super_admin',
    });
  }
}

export class OtpRequiredError extends UnauthorizedError {
  constructor() {
    super('AUTH_OTP_REQUIRED', 'This account uses two-factor authentication: send `otp` too');
  }
}

export class InvalidOtpError extends UnauthorizedError {
  constructor() {
    super('AUTH_INVALID_OTP', 'The one-time code is wrong or expired');
  }
}

export class TwoFactorRequiredError extends ForbiddenError {
  constructor() {
    super(
      'AUTH_2FA_REQUIRED',
      'Admin routes need a login with a second factor: enable 2FA and sign in again',
    );
  }
}

export class TwoFactorAlreadyEnabledError extends ForbiddenError {
  constructor() {
    super('AUTH_FORBIDDEN', 'Two-factor authentication is already enabled; disable it first', {
      reason: 'two_factor_enabled',
    });
  }
}
