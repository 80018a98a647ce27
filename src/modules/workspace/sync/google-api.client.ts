import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, errors, request, RetryAgent } from 'undici';
import { AppConfig } from '../../../config/app-config';
import type { GooglePath } from './google-ids';

/** The Google APIs a sync job reads, each at its own host unless GOOGLE_API_BASE_URL says one. */
export type GoogleService = 'gmail' | 'drive' | 'sheets';

const GOOGLE_HOSTS: Record<GoogleService, string> = {
  gmail: 'https://gmail.googleapis.com/',
  drive: 'https://www.googleapis.com/',
  sheets: 'https://sheets.googleapis.com/',
};

/** Transient answers: retried here with backoff (Retry-After honoured), then by the job queue. */
const RETRIED_STATUSES = [429, 500, 502, 503, 504];
const REQUEST_TIMEOUT_MS = 30_000;
/** A JSON answer larger than this is not one Google sends (a message's attachments are apart). */
const MAX_JSON_BYTES = 32 * 1024 * 1024;

/**
 * The body's first `maxBytes` bytes, and whether there was more: reading stops there (leaving the
 * loop destroys the body), so an endless answer costs no more than the limit.
 */
async function readUpTo(
  body: AsyncIterable<Buffer>,
  maxBytes: number,
): Promise<{ bytes: Buffer; cut: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > maxBytes) break;
  }
  return { bytes: Buffer.concat(chunks).subarray(0, maxBytes), cut: size > maxBytes };
}

/**
 * Google did not give what was asked. `status` is Google's HTTP status (none when it could not be
 * reached or did not answer in time); `retryable` says whether trying again later may help. The
 * message never holds the access token, nor anything Google wrote back.
 */
export class GoogleApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    readonly timedOut = false,
    /** The answer was larger than the caller takes (`maxBytes`). */
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

/** Google's 403 reasons that mean "not now" (a rate or a quota), not "never". */
const RATE_LIMIT_REASONS =
  /"(rateLimitExceeded|userRateLimitExceeded|quotaExceeded|dailyLimitExceeded)"/;

/**
 * The error of a non-2xx answer, its body read for a 403's reason (a few KiB at most): Drive
 * answers rate limits as 403, and those are retried later, not taken as a refusal.
 */
async function refusalOf(statusCode: number, body: AsyncIterable<Buffer>): Promise<GoogleApiError> {
  const { bytes } = await readUpTo(body, 8 * 1024);
  if (statusCode === 403 && RATE_LIMIT_REASONS.test(bytes.toString('utf8'))) {
    return new GoogleApiError('Google answered 403: a rate limit or quota; later', 403, true);
  }
  return refusal(statusCode);
}

function refusal(status: number): GoogleApiError {
  if (status === 401 || status === 403) {
    return new GoogleApiError(
      `Google refused the access token (${status}): it is invalid, expired or lacks the scope`,
      status,
      false,
    );
  }
  if (RETRIED_STATUSES.includes(status)) {
    return new GoogleApiError(`Google kept answering ${status} after retries`, status, true);
  }
  return new GoogleApiError(`Google answered ${status}`, status, false);
}

/**
 * GETs JSON from the Google REST APIs with a user's OAuth access token (API.md §7). undici's
 * RetryAgent retries 429 and 5xx answers and dropped connections with exponential backoff,
 * waiting as long as `Retry-After` asks (up to 30 s); ten connections per host at most.
 */
@Injectable()
export class GoogleApiClient implements OnApplicationShutdown {
  private readonly agent = new Agent({
    connections: 10,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  private readonly dispatcher = new RetryAgent(this.agent, {
    maxRetries: 3,
    minTimeout: 500,
    maxTimeout: 30_000,
    timeoutFactor: 2,
    retryAfter: true,
    methods: ['GET'],
    statusCodes: RETRIED_STATUSES,
  });

  constructor(private readonly config: AppConfig) {}

  /**
   * The JSON body of a 2xx answer; a 404 is `undefined` when `notFound: 'undefined'`. The path is
   * a `googlePath`, so no identifier in it can leave it.
   */
  async get<T>(
    service: GoogleService,
    path: GooglePath,
    query: Record<string, string | number | undefined>,
    accessToken: string,
    options: { signal?: AbortSignal; notFound?: 'undefined'; maxBytes?: number } = {},
  ): Promise<T | undefined> {
    const url = new URL(path, this.config.google.apiBaseUrl ?? GOOGLE_HOSTS[service]);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    try {
      const response = await request(url, {
        dispatcher: this.dispatcher,
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: options.signal,
      });
      if (response.statusCode >= 200 && response.statusCode < 300) {
        const maxBytes = options.maxBytes ?? MAX_JSON_BYTES;
        const { bytes, cut } = await readUpTo(response.body, maxBytes);
        if (cut) {
          throw new GoogleApiError(
            `Google answered more than ${maxBytes} bytes; the answer was refused`,
            response.statusCode,
            false,
            false,
            true,
          );
        }
        try {
          return JSON.parse(bytes.toString('utf8')) as T;
        } catch {
          throw new GoogleApiError('Google answered what is not JSON', response.statusCode, false);
        }
      }
      if (response.statusCode === 404 && options.notFound === 'undefined') {
        await response.body.dump();
        return undefined;
      }
      throw await refusalOf(response.statusCode, response.body);
    } catch (error) {
      throw upstreamErrorOf(error);
    }
  }

  /**
   * The text of a 2xx answer (a file's content, an export), its first `maxBytes` bytes at most:
   * the rest is never read. Undefined when Google will not give it (403 other than a rate limit:
   * not exportable or too large for an export; 404: gone), so one document never fails a page.
   */
  async getText(
    service: GoogleService,
    path: GooglePath,
    query: Record<string, string>,
    accessToken: string,
    options: { signal?: AbortSignal; maxBytes: number },
  ): Promise<string | undefined> {
    const url = new URL(path, this.config.google.apiBaseUrl ?? GOOGLE_HOSTS[service]);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    try {
      const response = await request(url, {
        dispatcher: this.dispatcher,
        headers: { authorization: `Bearer ${accessToken}` },
        signal: options.signal,
      });
      if (response.statusCode < 200 || response.statusCode >= 300) {
        const refused = await refusalOf(response.statusCode, response.body);
        // not exportable, too large to export, gone: this document has no text for us
        if ((refused.status === 403 && !refused.retryable) || refused.status === 404) {
          return undefined;
        }
        throw refused;
      }
      const { bytes, cut } = await readUpTo(response.body, options.maxBytes);
      const text = bytes.toString('utf8');
      return cut ? text.replace(/\uFFFD$/, '') : text; // a character cut in two
    } catch (error) {
      throw upstreamErrorOf(error);
    }
  }

  /** After the sync queue stopped its workers (onModuleDestroy), never under a running slice. */
  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher.close();
  }
}

function upstreamErrorOf(error: unknown): unknown {
  if (error instanceof GoogleApiError) return error;
  if (error instanceof errors.RequestRetryError) return refusal(error.statusCode);
  if (
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    error instanceof errors.ConnectTimeoutError
  ) {
    return new GoogleApiError('Google did not answer in time', undefined, true, true);
  }
  if (error instanceof Error && error.name === 'AbortError') return error;
  return new GoogleApiError('Google could not be reached', undefined, true);
}
