import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EnvironmentVariables } from './environment';
import { validateEnvironment } from './validate-environment';

const DEV_CORS_ORIGINS = [
  'http://localhost:3000',
  'http://localhost:4200',
  'http://localhost:5173',
  'http://localhost:8080',
  'http://127.0.0.1:3000',
  'http://127.0.0.1:5173',
];

/**
 * The typed, validated configuration, injected by its class: `constructor(config: AppConfig)`.
 * Built once at start-up from the environment (see `loadAppConfig`); never read `process.env`
 * anywhere else.
 */
export class AppConfig {
  readonly nodeEnv: EnvironmentVariables['NODE_ENV'];
  readonly port: number;
  readonly dataDir: string;
  readonly logLevel: EnvironmentVariables['LOG_LEVEL'];
  readonly corsOrigins: string[] | '*';
  readonly shutdownTimeoutMs: number;
  readonly database: {
    readonly url: string | undefined;
    readonly poolSize: number;
    readonly connectTimeoutMs: number;
    readonly statementTimeoutMs: number;
  };
  readonly redisUrl: string | undefined;
  readonly jwtSecret: string;
  readonly auth: {
    readonly accessTokenTtlSeconds: number;
    readonly refreshTokenTtlSeconds: number;
    readonly loginMaxFailures: number;
    readonly admin2faRequired: boolean;
    /** ADMIN_EMAIL / ADMIN_PASSWORD: the first super_admin, made at start-up when none exists. */
    readonly bootstrapAdmin: { readonly email: string; readonly password: string } | undefined;
  };
  readonly rateLimit: {
    readonly perMinute: number;
    readonly authPerMinute: number;
    /** Prefix of the shared counters in Redis. */
    readonly namespace: string;
  };
  readonly sessions: { readonly idleTtlSeconds: number; readonly maxTtlSeconds: number };
  readonly tools: {
    readonly timeoutMs: number;
    readonly maxResultBytes: number;
    readonly workers: number;
    readonly workerMemoryMb: number;
    readonly userConcurrency: number;
    readonly userQueue: number;
    readonly queueSize: number;
  };
  readonly chat: {
    readonly provider: EnvironmentVariables['CHAT_PROVIDER'];
    readonly openaiBaseUrl: string | undefined;
    readonly openaiApiKey: string | undefined;
    readonly model: string | undefined;
    readonly maxToolRounds: number;
    readonly timeoutMs: number;
    /** Sent as `max_tokens` when set; unset, the model's default. */
    readonly maxTokens: number | undefined;
    readonly turnDeadlineMs: number;
    /** Tool calls of one round run at most this many at once. */
    readonly toolCallConcurrency: number;
    readonly turnEventsRetentionSeconds: number;
  };
  readonly idempotencyTtlSeconds: number;
  readonly sseHeartbeatMs: number;
  readonly google: {
    readonly apiBaseUrl: string | undefined;
    /** Google connections' OAuth client; undefined when not configured. */
    readonly oauth: GoogleOAuthConfig | undefined;
  };
  readonly sync: { readonly sliceSeconds: number; readonly driveTextMaxBytes: number };
  /** How often the job queue expires jobs whose workers died: often enough for a sync slice's. */
  readonly queue: { readonly maintenanceSeconds: number };

  constructor(env: EnvironmentVariables, jwtSecret: string) {
    this.nodeEnv = env.NODE_ENV;
    this.port = env.PORT;
    this.dataDir = resolve(env.DATA_DIR);
    this.logLevel = env.LOG_LEVEL;
    this.corsOrigins = parseCorsOrigins(env.CORS_ORIGINS);
    this.shutdownTimeoutMs = env.SHUTDOWN_TIMEOUT_MS;
    this.database = {
      url: env.DATABASE_URL,
      poolSize: env.DB_POOL_SIZE,
      connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    };
    this.redisUrl = env.REDIS_URL;
    this.jwtSecret = jwtSecret;
    this.auth = authOf(env);
    this.rateLimit = {
      perMinute: env.RATE_LIMIT_PER_MINUTE,
      authPerMinute: env.AUTH_RATE_LIMIT_PER_MINUTE,
      namespace: env.RATE_LIMIT_NAMESPACE,
    };
    this.sessions = {
      idleTtlSeconds: env.SESSION_IDLE_TTL_SECONDS,
      maxTtlSeconds: env.SESSION_MAX_TTL_SECONDS,
    };
    this.tools = toolsOf(env);
    this.chat = chatOf(env);
    this.idempotencyTtlSeconds = env.IDEMPOTENCY_TTL_SECONDS;
    this.sseHeartbeatMs = env.SSE_HEARTBEAT_MS;
    this.google = {
      apiBaseUrl: env.GOOGLE_API_BASE_URL?.replace(/\/?$/, '/'), // paths resolve below it
      oauth: googleOAuthOf(env),
    };
    this.sync = {
      sliceSeconds: env.SYNC_JOB_SLICE_SECONDS,
      driveTextMaxBytes: env.DRIVE_TEXT_MAX_BYTES,
    };
    this.queue = { maintenanceSeconds: Math.min(env.SYNC_JOB_SLICE_SECONDS, 60) };
  }

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }
}

function parseCorsOrigins(raw: string | undefined): string[] | '*' {
  if (raw === undefined) return DEV_CORS_ORIGINS;
  if (raw.trim() === '*') return '*';
  return raw.split(',').map((origin) => origin.trim());
}

/**
 * In development and test a missing JWT_SECRET is generated once and kept in DATA_DIR, so tokens
 * survive restarts. Production refuses to start without one (checked in validateEnvironment).
 */
function resolveJwtSecret(env: EnvironmentVariables, dataDir: string): string {
  if (env.JWT_SECRET) return env.JWT_SECRET;
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Validates the environment and resolves generated secrets. Throws ConfigValidationError. */
export function loadAppConfig(raw: NodeJS.ProcessEnv): AppConfig {
  const env = validateEnvironment(raw);
  return new AppConfig(env, resolveJwtSecret(env, resolve(env.DATA_DIR)));
}

function authOf(env: EnvironmentVariables): AppConfig['auth'] {
  return {
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    loginMaxFailures: env.LOGIN_MAX_FAILURES,
    admin2faRequired: env.ADMIN_2FA_REQUIRED,
    bootstrapAdmin:
      env.ADMIN_EMAIL && env.ADMIN_PASSWORD
        ? { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }
        : undefined,
  };
}

function toolsOf(env: EnvironmentVariables): AppConfig['tools'] {
  return {
    timeoutMs: env.TOOL_TIMEOUT_MS,
    maxResultBytes: env.TOOL_MAX_RESULT_BYTES,
    workers: env.TOOL_WORKERS,
    workerMemoryMb: env.TOOL_WORKER_MEMORY_MB,
    userConcurrency: env.TOOL_USER_CONCURRENCY,
    userQueue: env.TOOL_USER_QUEUE,
    queueSize: env.TOOL_QUEUE_SIZE,
  };
}

function chatOf(env: EnvironmentVariables): AppConfig['chat'] {
  return {
    provider: env.CHAT_PROVIDER,
    openaiBaseUrl: env.OPENAI_BASE_URL,
    openaiApiKey: env.OPENAI_API_KEY,
    model: env.CHAT_MODEL,
    maxToolRounds: env.CHAT_MAX_TOOL_ROUNDS,
    timeoutMs: env.CHAT_TIMEOUT_MS,
    maxTokens: env.CHAT_MAX_TOKENS,
    turnDeadlineMs: env.CHAT_TURN_DEADLINE_MS,
    toolCallConcurrency: env.CHAT_TOOL_CALL_CONCURRENCY,
    turnEventsRetentionSeconds: env.CHAT_TURN_EVENTS_RETENTION_SECONDS,
  };
}

export interface GoogleOAuthConfig {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  /** Root of the authorize, token and revoke endpoints; undefined: Google's own hosts. */
  readonly baseUrl: string | undefined;
  /** Where a connection may send the browser back: these URLs and what lies below them. */
  readonly returnUrls: readonly string[];
}

function googleOAuthOf(env: EnvironmentVariables): GoogleOAuthConfig | undefined {
  const { GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, GOOGLE_REDIRECT_URI } = env;
  if (!GOOGLE_CLIENT_ID || !GOOGLE_CLIENT_SECRET || !GOOGLE_REDIRECT_URI) return undefined;
  return {
    clientId: GOOGLE_CLIENT_ID,
    clientSecret: GOOGLE_CLIENT_SECRET,
    redirectUri: GOOGLE_REDIRECT_URI,
    baseUrl: env.GOOGLE_OAUTH_BASE_URL?.replace(/\/+$/, ''),
    returnUrls: (env.GOOGLE_RETURN_URLS ?? '')
      .split(',')
      .map((url) => url.trim())
      .filter(Boolean),
  };
}
