/**
 * Every error code of the contract (API.md §1.2) with its HTTP status and meaning. This object is
 * the single source: DomainError kinds take their status from it, and docs/ERROR_CODES.md is
 * generated from it (`npm run docs:errors`; a unit test fails when the two drift apart).
 */
export const ERROR_CODES = {
  VAL_FAILED: {
    status: 400,
    meaning: 'The request failed validation; `details.fields` lists each bad field.',
  },
  VAL_MALFORMED_JSON: {
    status: 400,
    meaning: 'The request body is not valid JSON, or not a JSON object or array.',
  },
  VAL_INVALID_CURSOR: {
    status: 400,
    meaning: 'The pagination cursor is malformed or was made for another sort.',
  },
  VAL_INVALID_ID: { status: 400, meaning: 'A path id is not a valid UUID.' },
  VAL_TOOL_PARAMETERS: {
    status: 400,
    meaning:
      "Tool parameters do not match the tool's JSON Schema; `details.errors` lists the schema errors.",
  },
  AUTH_MISSING_TOKEN: {
    status: 401,
    meaning: 'The route needs a bearer token or an API key and the request has neither.',
  },
  AUTH_INVALID_TOKEN: {
    status: 401,
    meaning: 'The access token is malformed, forged, revoked, or not for this service.',
  },
  AUTH_EXPIRED_TOKEN: { status: 401, meaning: 'The access token has expired; refresh it.' },
  AUTH_INVALID_CREDENTIALS: {
    status: 401,
    meaning: 'Email or password is wrong (the two cases are not told apart).',
  },
  AUTH_REFRESH_REUSED: {
    status: 401,
    meaning:
      'A spent refresh token was presented again; the whole login (token family) is revoked.',
  },
  AUTH_INVALID_API_KEY: { status: 401, meaning: 'The API key is unknown, revoked or expired.' },
  AUTH_OTP_REQUIRED: {
    status: 401,
    meaning: 'The account has 2FA enabled and the login carried no `otp`.',
  },
  AUTH_INVALID_OTP: { status: 401, meaning: 'The one-time code is wrong or expired.' },
  AUTH_FORBIDDEN: {
    status: 403,
    meaning:
      'The caller is known but lacks the level or role; `details.required` and `details.actual` say which.',
  },
  AUTH_ACCOUNT_DISABLED: {
    status: 403,
    meaning: 'The account has been disabled by an administrator.',
  },
  AUTH_2FA_REQUIRED: {
    status: 403,
    meaning: 'Admin routes need a login with a second factor (`ADMIN_2FA_REQUIRED`).',
  },
  NF_ROUTE: { status: 404, meaning: 'No route matches the method and path.' },
  NF_USER: { status: 404, meaning: 'The user does not exist.' },
  NF_CASEFILE: {
    status: 404,
    meaning:
      'The casefile does not exist or the caller has no access to it (existence is not revealed).',
  },
  NF_TOOL_SESSION: {
    status: 404,
    meaning: 'The tool session does not exist or is not visible to the caller.',
  },
  NF_CHAT_SESSION: {
    status: 404,
    meaning: 'The chat session does not exist or is not visible to the caller.',
  },
  NF_TOOL: { status: 404, meaning: 'No tool with that name is registered.' },
  NF_SYNC_JOB: {
    status: 404,
    meaning: 'The sync job does not exist or is not visible to the caller.',
  },
  NF_SYNC_SOURCE: {
    status: 404,
    meaning: 'The sync source does not exist or its casefile is not visible to the caller.',
  },
  NF_GOOGLE_CONNECTION: {
    status: 404,
    meaning: "The Google connection does not exist or is not the caller's.",
  },
  NF_API_KEY: { status: 404, meaning: "The API key does not exist or is not the caller's." },
  CF_DUPLICATE_EMAIL: {
    status: 409,
    meaning: 'A user with that email (case-insensitive) already exists.',
  },
  CF_DUPLICATE_USERNAME: { status: 409, meaning: 'A user with that username already exists.' },
  CF_IDEMPOTENCY_IN_PROGRESS: {
    status: 409,
    meaning: 'A request with the same Idempotency-Key is still running.',
  },
  CF_SESSION_BUSY: {
    status: 409,
    meaning: 'The session is already running a request or chat turn.',
  },
  CF_VERSION_MISMATCH: {
    status: 412,
    meaning: 'If-Match does not match the current version; `details.current_version` has it.',
  },
  VAL_PAYLOAD_TOO_LARGE: {
    status: 413,
    meaning: 'The request body exceeds the size limit (1 MiB; 10 MiB on import routes).',
  },
  BR_SESSION_CLOSED: {
    status: 422,
    meaning: 'The session is closed (or no session is bound to the token).',
  },
  BR_SESSION_EXPIRED: { status: 422, meaning: 'The session has expired.' },
  BR_CASEFILE_REQUIRED: {
    status: 422,
    meaning: 'The tool needs a session attached to a casefile.',
  },
  BR_GOOGLE_CONNECTION_REVOKED: {
    status: 422,
    meaning:
      'The Google connection was revoked (by its user, or Google no longer honours its grant); connect the account again.',
  },
  BR_GOOGLE_SCOPE_MISSING: {
    status: 422,
    meaning:
      "The Google connection was not granted read access to the source's data (Gmail, Drive or Sheets); connect again and grant it.",
  },
  BR_WEAK_PASSWORD: { status: 422, meaning: 'The password breaks the password policy.' },
  BR_OWNER_PERMISSION: {
    status: 422,
    meaning: 'Owner permission cannot be granted or changed through permissions.',
  },
  CF_IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    meaning: 'The Idempotency-Key was already used with a different body.',
  },
  RATE_LIMIT_EXCEEDED: {
    status: 429,
    meaning: 'Too many requests; wait for `Retry-After` seconds.',
  },
  AUTH_TOO_MANY_ATTEMPTS: {
    status: 429,
    meaning: 'Too many failed logins for the account; wait for `Retry-After` seconds.',
  },
  TOOL_CAPACITY: {
    status: 429,
    meaning:
      "The caller's share of the tools is used up (`details.reason`: `user_queue`), the tool queue is full (`queue`), or no place came free within the tool timeout (`wait`); nothing ran. Retry after `Retry-After` seconds.",
  },
  SYS_INTERNAL: {
    status: 500,
    meaning: 'An unexpected error; the body carries no internals, the log has the request id.',
  },
  SYS_UPSTREAM_ERROR: {
    status: 502,
    meaning: 'An upstream service (chat model provider, Google API) failed.',
  },
  SYS_DATABASE_UNAVAILABLE: {
    status: 503,
    meaning: 'The database cannot be reached or timed out; retry later.',
  },
  SYS_STATEMENT_TIMEOUT: {
    status: 503,
    meaning:
      'The request took longer than the database statement timeout and was cancelled; the database itself is fine.',
  },
  SYS_TOOL_WORKER_FAILED: {
    status: 503,
    meaning:
      "A tool request's recorded error (the request answers 201, status failed): the worker process running the tool stopped (out of memory, crashed) or could not start; it is replaced.",
  },
  SYS_GOOGLE_NOT_CONFIGURED: {
    status: 503,
    meaning:
      'Google connections are not configured on this server (GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, GOOGLE_REDIRECT_URI).',
  },
  SYS_SHUTTING_DOWN: {
    status: 503,
    meaning: 'The instance is shutting down; retry on another instance.',
  },
  SYS_UPSTREAM_TIMEOUT: { status: 504, meaning: 'An upstream service did not answer in time.' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes whose catalogue status is S: lets each error kind accept only its own codes. */
export type CodeWithStatus<S extends number> = {
  [K in ErrorCode]: (typeof ERROR_CODES)[K]['status'] extends S ? K : never;
}[ErrorCode];

export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}
