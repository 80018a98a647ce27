import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { Sql } from '../../platform/database/sql';
import type { IdempotencyKeyEntity } from './idempotency-key.entity';

/** A claim whose request died (crash, kill) can be taken over after this long. */
const LOCK_SECONDS = 60;

export type ClaimOutcome =
  | { kind: 'claimed' }
  | { kind: 'in_progress' }
  | { kind: 'reused' }
  | { kind: 'replay'; status: number; body: unknown };

type Row = Pick<IdempotencyKeyEntity, 'requestHash' | 'status' | 'responseStatus' | 'responseBody'>;

/**
 * The records behind Idempotency-Key, written with autocommit, never in the request's transaction: a claim must be visible to concurrent requests at once, and must
 * outlive a rollback.
 */
@Injectable()
export class IdempotencyStore {
  constructor(
    private readonly sql: Sql,
    private readonly config: AppConfig,
  ) {}

  /** One statement decides the race: exactly one request inserts (or takes over) the claim. */
  async claim(
    scope: string,
    route: string,
    key: string,
    requestHash: string,
  ): Promise<ClaimOutcome> {
    const claimed = await this.sql.autocommit.count(
      `INSERT INTO idempotency_keys (scope, route, key, request_hash, status, locked_until, expires_at)
       VALUES ($1, $2, $3, $4, 'in_progress', now() + make_interval(secs => $5), now() + make_interval(secs => $6))
       ON CONFLICT (scope, route, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, status = 'in_progress', response_status = NULL,
             response_body = NULL, locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at,
             created_at = now()
         WHERE idempotency_keys.expires_at < now()
            OR (idempotency_keys.status = 'in_progress' AND idempotency_keys.locked_until < now())
`,
      [scope, route, key, requestHash, LOCK_SECONDS, this.config.idempotencyTtlSeconds],
    );
    if (claimed > 0) return { kind: 'claimed' };
    const row = await this.sql.autocommit.one<Row>(
      `SELECT request_hash AS "requestHash", status, response_status AS "responseStatus",
              response_body AS "responseBody"
         FROM idempotency_keys WHERE scope = $1 AND route = $2 AND key = $3`,
      [scope, route, key],
    );
    // gone between the two statements (released by a failure): the client may simply retry
    if (!row || row.status === 'in_progress') return { kind: 'in_progress' };
    if (row.requestHash !== requestHash) return { kind: 'reused' };
    return { kind: 'replay', status: row.responseStatus ?? 200, body: row.responseBody };
  }

  async complete(
    scope: string,
    route: string,
    key: string,
    status: number,
    body: unknown,
  ): Promise<void> {
    await this.sql.autocommit.count(
      `UPDATE idempotency_keys SET status = 'completed', response_status = $4, response_body = $5
        WHERE scope = $1 AND route = $2 AND key = $3`,
      [scope, route, key, status, JSON.stringify(body ?? null)],
    );
  }

  /** A failed request leaves nothing behind: the client may retry with the same key. */
  async release(scope: string, route: string, key: string): Promise<void> {
    await this.sql.autocommit.count(
      `DELETE FROM idempotency_keys WHERE scope = $1 AND route = $2 AND key = $3 AND status = 'in_progress'`,
      [scope, route, key],
    );
  }

  /**
   * Deletes expired records, at most `batch` (API.md §1.3: a key replays for IDEMPOTENCY_TTL_SECONDS,
   * then it is forgotten); how many went. Instances sweeping at once skip each other's rows.
   */
  sweep(batch: number): Promise<number> {
    return this.sql.autocommit.count(
      `DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
         SELECT ctid FROM idempotency_keys WHERE expires_at < now()
          ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED))`,
      [batch],
    );
  }
}
