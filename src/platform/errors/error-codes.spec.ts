import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  RuleViolationError,
  TooManyRequestsError,
  UnauthorizedError,
  UnavailableError,
  UpstreamError,
} from './domain-error';
import { ERROR_CODES } from './error-codes';
import { renderErrorCodesMarkdown } from './error-codes.doc';

describe('error codes', () => {
  it('docs/ERROR_CODES.md is exactly what the catalogue renders (run `npm run docs:errors`)', () => {
    const onDisk = readFileSync(
      join(__dirname, '..', '..', '..', 'docs', 'ERROR_CODES.md'),
      'utf8',
    );
    expect(onDisk).toBe(renderErrorCodesMarkdown());
  });

  it('documents every code with its status', () => {
    const doc = renderErrorCodesMarkdown();
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect(doc).toContain(`| ${status} | \`${code}\` |`);
    }
  });

  // API.md §1.2, plus two of issue 21's (a statement timeout is the request's failure, not the
  // database's; a tool worker that could not start or died): SYS_STATEMENT_TIMEOUT and
  // SYS_TOOL_WORKER_FAILED; and issue 23's Google connections: NF_GOOGLE_CONNECTION,
  // BR_GOOGLE_CONNECTION_REVOKED, SYS_GOOGLE_NOT_CONFIGURED, and its sync sources: NF_SYNC_SOURCE,
  // BR_GOOGLE_SCOPE_MISSING.
  // BUDGET_EXCEEDED comes with the
  // budgets it is about.
  it('has the codes of API.md §1.2 and nothing else', () => {
    expect(Object.keys(ERROR_CODES).sort()).toEqual(
      [
        'VAL_FAILED',
        'VAL_MALFORMED_JSON',
        'VAL_INVALID_CURSOR',
        'VAL_INVALID_ID',
        'VAL_TOOL_PARAMETERS',
        'AUTH_MISSING_TOKEN',
        'AUTH_INVALID_TOKEN',
        'AUTH_EXPIRED_TOKEN',
        'AUTH_INVALID_CREDENTIALS',
        'AUTH_REFRESH_REUSED',
        'AUTH_INVALID_API_KEY',
        'AUTH_OTP_REQUIRED',
        'AUTH_INVALID_OTP',
        'AUTH_FORBIDDEN',
        'AUTH_ACCOUNT_DISABLED',
        'AUTH_2FA_REQUIRED',
        'NF_ROUTE',
        'NF_USER',
        'NF_CASEFILE',
        'NF_TOOL_SESSION',
        'NF_CHAT_SESSION',
        'NF_TOOL',
        'NF_SYNC_JOB',
        'NF_API_KEY',
        'CF_DUPLICATE_EMAIL',
        'CF_DUPLICATE_USERNAME',
        'CF_IDEMPOTENCY_IN_PROGRESS',
        'CF_SESSION_BUSY',
        'CF_VERSION_MISMATCH',
        'VAL_PAYLOAD_TOO_LARGE',
        'BR_SESSION_CLOSED',
        'BR_SESSION_EXPIRED',
        'BR_CASEFILE_REQUIRED',
        'BR_WEAK_PASSWORD',
        'BR_OWNER_PERMISSION',
        'CF_IDEMPOTENCY_KEY_REUSED',
        'RATE_LIMIT_EXCEEDED',
        'AUTH_TOO_MANY_ATTEMPTS',
        'SYS_INTERNAL',
        'SYS_UPSTREAM_ERROR',
        'SYS_UPSTREAM_TIMEOUT',
        'SYS_DATABASE_UNAVAILABLE',
        'SYS_SHUTTING_DOWN',
        'TOOL_CAPACITY',
        'SYS_STATEMENT_TIMEOUT',
        'SYS_TOOL_WORKER_FAILED',
        'NF_GOOGLE_CONNECTION',
        'BR_GOOGLE_CONNECTION_REVOKED',
        'SYS_GOOGLE_NOT_CONFIGURED',
        'NF_SYNC_SOURCE',
        'BR_GOOGLE_SCOPE_MISSING',
      ].sort(),
    );
  });

  it.each([
    [new InvalidInputError('VAL_INVALID_ID', 'bad id'), 400],
    [new UnauthorizedError('AUTH_EXPIRED_TOKEN', 'expired'), 401],
    [new ForbiddenError('AUTH_FORBIDDEN', 'no', { required: 'editor', actual: 'viewer' }), 403],
    [new NotFoundError('NF_CASEFILE', 'gone'), 404],
    [new ConflictError('CF_SESSION_BUSY', 'busy'), 409],
    [new PreconditionFailedError('CF_VERSION_MISMATCH', 'stale'), 412],
    [new PayloadTooLargeError('big'), 413],
    [new RuleViolationError('BR_WEAK_PASSWORD', 'weak'), 422],
    [new TooManyRequestsError('RATE_LIMIT_EXCEEDED', 'slow', 30), 429],
    [new UpstreamError('SYS_UPSTREAM_TIMEOUT', 'late'), 504],
    [new UnavailableError('SYS_SHUTTING_DOWN', 'bye'), 503],
  ])('%s takes status %i from the catalogue', (error, status) => {
    expect(error.status).toBe(status);
    expect(error.status).toBe(ERROR_CODES[error.code].status);
    expect(error).toBeInstanceOf(Error);
  });

  it('names errors after their class, for logs', () => {
    expect(new NotFoundError('NF_TOOL', 'x').name).toBe('NotFoundError');
  });
});
