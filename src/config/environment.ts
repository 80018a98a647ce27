import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NODE_ENVS = ['development', 'production', 'test'] as const;
const CHAT_PROVIDERS = ['builtin', 'openai'] as const;

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const normalised = value.trim().toLowerCase();
  if (normalised === 'true' || normalised === '1') return true;
  if (normalised === 'false' || normalised === '0') return false;
  return value;
};

/**
 * Every environment variable the service reads (API.md §9), with its default. This class is the
 * one place they are validated; `.env.example` documents them and a unit test keeps the two equal.
 */
export class EnvironmentVariables {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @IsInt()
  @Min(0)
  @Max(65535)
  @Transform(toInt)
  PORT = 3000;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsString()
  @MinLength(1)
  DATA_DIR = './.data';

  @IsInt()
  @Min(1)
  @Max(200)
  @Transform(toInt)
  DB_POOL_SIZE = 10;

  @IsInt()
  @Min(100)
  @Max(60_000)
  @Transform(toInt)
  DB_CONNECT_TIMEOUT_MS = 2000;

  @IsInt()
  @Min(100)
  @Max(600_000)
  @Transform(toInt)
  DB_STATEMENT_TIMEOUT_MS = 10_000;

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(32)
  JWT_SECRET?: string;

  @IsInt()
  @Min(60)
  @Max(86_400)
  @Transform(toInt)
  ACCESS_TOKEN_TTL_SECONDS = 900;

  @IsInt()
  @Min(300)
  @Max(31_536_000)
  @Transform(toInt)
  REFRESH_TOKEN_TTL_SECONDS = 2_592_000;

  @IsInt()
  @Min(1)
  @Max(100_000)
  @Transform(toInt)
  RATE_LIMIT_PER_MINUTE = 60;

  @IsInt()
  @Min(1)
  @Max(100_000)
  @Transform(toInt)
  AUTH_RATE_LIMIT_PER_MINUTE = 10;

  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, {
    message: 'must be 1-64 of letters, digits, "_", "." or "-"',
  })
  RATE_LIMIT_NAMESPACE = 'casefile-hub';

  @IsInt()
  @Min(1)
  @Max(1000)
  @Transform(toInt)
  LOGIN_MAX_FAILURES = 5;

  @IsInt()
  @Min(60)
  @Transform(toInt)
  SESSION_IDLE_TTL_SECONDS = 1800;

  @IsInt()
  @Min(60)
  @Transform(toInt)
  SESSION_MAX_TTL_SECONDS = 86_400;

  @IsInt()
  @Min(100)
  @Max(600_000)
  @Transform(toInt)
  TOOL_TIMEOUT_MS = 10_000;

  @IsInt()
  @Min(1024)
  @Transform(toInt)
  TOOL_MAX_RESULT_BYTES = 262_144;

  /** Tool worker processes per instance (each contained: its death costs one tool run). */
  @IsInt()
  @Min(1)
  @Max(64)
  @Transform(toInt)
  TOOL_WORKERS = 4;

  /** The V8 heap of one tool worker process; past it the process dies, not the service. */
  @IsInt()
  @Min(32)
  @Max(8192)
  @Transform(toInt)
  TOOL_WORKER_MEMORY_MB = 256;

  /** Worker tool runs one user may have running at once on an instance. */
  @IsInt()
  @Min(1)
  @Max(64)
  @Transform(toInt)
  TOOL_USER_CONCURRENCY = 1;

  /** Worker tool runs one user may have waiting for a worker; past it → 429 TOOL_CAPACITY. */
  @IsInt()
  @Min(0)
  @Max(1000)
  @Transform(toInt)
  TOOL_USER_QUEUE = 8;

  /** Worker tool runs waiting for a worker, all users; past it → 429 TOOL_CAPACITY. */
  @IsInt()
  @Min(0)
  @Max(10_000)
  @Transform(toInt)
  TOOL_QUEUE_SIZE = 64;

  @IsIn(CHAT_PROVIDERS)
  CHAT_PROVIDER: (typeof CHAT_PROVIDERS)[number] = 'builtin';

  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  OPENAI_BASE_URL?: string;

  @IsOptional()
  @IsString()
  OPENAI_API_KEY?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  CHAT_MODEL?: string;

  @IsInt()
  @Min(1)
  @Max(50)
  @Transform(toInt)
  CHAT_MAX_TOOL_ROUNDS = 5;

  /** How long the chat model may take to start answering, or pause while streaming. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  @Transform(toInt)
  CHAT_TIMEOUT_MS = 60_000;

  /** The model's `max_tokens` per answer (openai); unset: not sent, the model's own default. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  @Transform(toInt)
  CHAT_MAX_TOKENS?: number;

  /** A whole turn's time, every round and tool call included; past it the turn fails (504). */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  @Transform(toInt)
  CHAT_TURN_DEADLINE_MS = 300_000;

  /** Tool calls of one model message that run at once; the others wait their turn. */
  @IsInt()
  @Min(1)
  @Max(16)
  @Transform(toInt)
  CHAT_TOOL_CALL_CONCURRENCY = 2;

  /** How long an Idempotency-Key record replays its answer; swept once expired. */
  @IsInt()
  @Min(60)
  @Max(2_592_000)
  @Transform(toInt)
  IDEMPOTENCY_TTL_SECONDS = 86_400;

  /** How long a streamed turn's events are kept for resumption, from the turn's start. */
  @IsInt()
  @Min(60)
  @Max(315_360_000)
  @Transform(toInt)
  CHAT_TURN_EVENTS_RETENTION_SECONDS = 604_800;

  /** A comment line on an open SSE stream this often keeps proxies from closing it. */
  @IsInt()
  @Min(100)
  @Max(120_000)
  @Transform(toInt)
  SSE_HEARTBEAT_MS = 15_000;

  /** One root for the Gmail, Drive and Sheets APIs (a proxy, a fake); unset: Google's hosts. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  GOOGLE_API_BASE_URL?: string;

  /** The OAuth client Google issued to this service; unset: Google connections are refused. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  GOOGLE_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  GOOGLE_CLIENT_SECRET?: string;

  /** Where Google sends the browser back: this service's `/v1/google/oauth/callback`. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  GOOGLE_REDIRECT_URI?: string;

  /** One root for Google's OAuth endpoints (authorize, token, revoke); unset: Google's own. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  GOOGLE_OAUTH_BASE_URL?: string;

  /** Comma-separated URLs a connection may send the browser back to (that URL or below it). */
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  GOOGLE_RETURN_URLS?: string;

  /**
   * A sync job runs in slices of at most this long, each a pg-boss job; a slice whose worker died
   * is taken up again after three times this.
   */
  @IsInt()
  @Min(1)
  @Max(3_600)
  @Transform(toInt)
  SYNC_JOB_SLICE_SECONDS = 30;

  /**
   * The text a Drive sync keeps of a document: Google Docs and Slides exported as text/plain,
   * plain-text files downloaded, each up to this many bytes (the rest cut off); 0: none.
   */
  @IsInt()
  @Min(0)
  @Max(10 * 1024 * 1024)
  @Transform(toInt)
  DRIVE_TEXT_MAX_BYTES = 1024 * 1024;

  @IsOptional()
  @Matches(/^[^@\s]+@[^@\s]+$/, { message: 'must be an email address' })
  ADMIN_EMAIL?: string;

  @IsOptional()
  @IsString()
  ADMIN_PASSWORD?: string;

  @IsBoolean()
  @Transform(toBool)
  ADMIN_2FA_REQUIRED = false;

  @IsOptional()
  @Matches(/^(\*|https?:\/\/[^\s,]+)(\s*,\s*https?:\/\/[^\s,]+)*$/, {
    message: 'must be a comma-separated list of http(s) origins, or *',
  })
  CORS_ORIGINS?: string;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @IsInt()
  @Min(0)
  @Max(120_000)
  @Transform(toInt)
  SHUTDOWN_TIMEOUT_MS = 10_000;
}
