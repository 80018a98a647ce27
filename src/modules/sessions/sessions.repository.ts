import { Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import { Sql, SqlParams, where } from '../../platform/database/sql';
import { SessionEntity } from './session.entity';
import type { Session, SessionKind, SessionStatus } from './session';
import { type CursorPosition, keysetAfter, type KeysetRow } from '../../platform/database/keyset';
import { casefileLevel, type PermissionLevel } from '../access';

/** A session as one caller finds it: their level on its casefile and its time-based state. */
export interface SessionLookup extends Session {
  /** The caller's level on the session's casefile; null without access or without a casefile. */
  level: PermissionLevel | null;
  /** Active, but past its idle TTL or absolute cap: to be expired before anything else. */
  due: boolean;
  /** A request holds it (an unexpired busy lease). */
  busy: boolean;
  /** This statement took the busy lease for the caller (the `run` lookups only). */
  claimed?: boolean;
}

/** Seconds as an interval; `$n` binds the number. */
const secs = (bind: string) => `make_interval(secs => ${bind}::double precision)`;

/** Past the idle TTL or the absolute cap (`cap` binds SESSION_MAX_TTL_SECONDS), by the database clock. */
const pastDeadline = (cap: string) =>
  `(s.expires_at <= now() OR s.created_at + ${secs(cap)} <= now())`;
const DUE = (cap: string) => `(s.status = 'active' AND ${pastDeadline(cap)})`;
const BUSY = `coalesce(s.busy_until > now(), false)`;
const NOT_BUSY = `(s.busy_until IS NULL OR s.busy_until <= now())`;
/** When an expired session ended: its deadline, not the moment someone noticed. */
const ENDED_AT = (cap: string) => `least(s.expires_at, s.created_at + ${secs(cap)})`;

export interface SessionFilters {
  userId: string;
  kind: SessionKind;
  casefileId?: string;
  status?: SessionStatus;
}

/** The one place that writes the lifecycle of sessions of both kinds. */
@Injectable()
export class SessionsRepository {
  /** The SELECT list of a row (names from the entity). */
  private readonly sessionColumns: string;

  constructor(private readonly sql: Sql) {
    this.sessionColumns = sql.columnsOf(SessionEntity).select('s', { omit: ['busyToken'] });
  }

  /** A new active session; `expires_at` is now + ttl, never past the absolute cap. */
  async insert(session: {
    kind: SessionKind;
    userId: string;
    casefileId: string | null;
    ttlSeconds: number;
    maxTtlSeconds: number;
    attributes?: Record<string, unknown>;
  }): Promise<Session> {
    const row = await this.sql.one<Session>(
      `INSERT INTO sessions AS s (id, kind, user_id, casefile_id, ttl_seconds, expires_at, attributes)
       VALUES ($1, $2, $3, $4, $5::int, now() + ${secs('least($5::int, $6::int)')}, $7::jsonb)
       RETURNING ${this.sessionColumns}`,
      [
        uuidv7(),
        session.kind,
        session.userId,
        session.casefileId,
        session.ttlSeconds,
        session.maxTtlSeconds,
        JSON.stringify(session.attributes ?? {}),
      ],
    );
    return row as Session;
  }

  /** The session of `kind` as `userId` finds it (see SessionLookup). */
  find(id: string, kind: SessionKind, userId: string, cap: number) {
    return this.sql.one<SessionLookup>(
      `SELECT ${this.sessionColumns}, ${casefileLevel.ofId('s.casefile_id', '$2')} AS level,
              ${DUE('$4')} AS due, ${BUSY} AS busy
         FROM sessions s WHERE s.id = $1 AND s.kind = $3`,
      [id, userId, kind, cap],
    );
  }

  /**
   * The lookup of a request that runs in the session: the busy lease is taken in the same
   * statement when the caller created the session and it is active and free. Of concurrent
   * requests, on any instance, exactly one takes it: PostgreSQL re-checks the `UPDATE`'s
   * condition on the row the winner changed.
   */
  findAndClaim(
    id: string,
    kind: SessionKind,
    userId: string,
    cap: number,
    lease: { token: string; seconds: number },
  ) {
    return this.sql.one<SessionLookup>(
      `WITH claimed AS (
         UPDATE sessions s SET busy_token = $5, busy_until = now() + ${secs('$6')}
          WHERE s.id = $1 AND s.kind = $3 AND s.user_id = $2 AND s.status = 'active'
            AND NOT ${pastDeadline('$4')} AND ${NOT_BUSY}
         RETURNING s.id)
       SELECT ${this.sessionColumns}, ${casefileLevel.ofId('s.casefile_id', '$2')} AS level,
              ${DUE('$4')} AS due, ${BUSY} AS busy, EXISTS (SELECT 1 FROM claimed) AS claimed
         FROM sessions s WHERE s.id = $1 AND s.kind = $3`,
      [id, userId, kind, cap, lease.token, lease.seconds],
    );
  }

  /** Marks an active session past its deadline expired (not while a request holds it). */
  async expireIfDue(id: string, cap: number): Promise<Session | undefined> {
    return this.sql.one<Session>(
      `UPDATE sessions s SET status = 'expired', closed_at = ${ENDED_AT('$2')}
        WHERE s.id = $1 AND ${DUE('$2')} AND ${NOT_BUSY}
       RETURNING ${this.sessionColumns}`,
      [id, cap],
    );
  }

  /**
   * Expires up to `batch` due sessions. Instances sweeping at once split the rows (`SKIP
   * LOCKED`) and never expire one twice: each row is re-checked under its lock.
   */
  sweep(cap: number, batch: number): Promise<number> {
    return this.sql.count(
      `UPDATE sessions s SET status = 'expired', closed_at = ${ENDED_AT('$1')}
        WHERE s.id IN (SELECT s.id FROM sessions s
                        WHERE ${DUE('$1')} AND ${NOT_BUSY}
                        LIMIT $2 FOR UPDATE SKIP LOCKED)
          AND ${DUE('$1')}`,
      [cap, batch],
    );
  }

  /** The last session of the replacement chain that starts at `id` (the caller's own). */
  async chainEnd(id: string, kind: SessionKind, userId: string): Promise<string | undefined> {
    const row = await this.sql.one<{ id: string }>(
      `WITH RECURSIVE chain AS (
         SELECT s.id, s.replaced_by, 1 AS depth FROM sessions s
          WHERE s.id = $1 AND s.kind = $2 AND s.user_id = $3
         UNION ALL
         SELECT s.id, s.replaced_by, chain.depth + 1 FROM sessions s
           JOIN chain ON s.id = chain.replaced_by
          WHERE chain.depth < 1000)
       SELECT id FROM chain WHERE replaced_by IS NULL`,
      [id, kind, userId],
    );
    return row?.id;
  }

  /**
   * Replaces an expired (or due) session by a new one for the same user, casefile, kind, TTL and
   * attributes,
   * already holding the caller's busy lease — in one statement, so concurrent requests on the same
   * bound token make one replacement. Undefined when another request replaced it first.
   */
  replace(
    id: string,
    cap: number,
    lease: { token: string; seconds: number },
  ): Promise<Session | undefined> {
    return this.sql.one<Session>(
      `WITH old AS (
         UPDATE sessions s SET replaced_by = $2, status = 'expired',
                closed_at = coalesce(s.closed_at, ${ENDED_AT('$3')})
          WHERE s.id = $1 AND s.replaced_by IS NULL
            AND (s.status = 'expired' OR ${DUE('$3')}) AND ${NOT_BUSY}
         RETURNING s.kind, s.user_id, s.casefile_id, s.ttl_seconds, s.attributes)
       INSERT INTO sessions AS s (id, kind, user_id, casefile_id, ttl_seconds, attributes,
                                  expires_at, busy_token, busy_until)
       SELECT $2, old.kind, old.user_id, old.casefile_id, old.ttl_seconds, old.attributes,
              now() + ${secs('least(old.ttl_seconds, $3::int)')}, $4, now() + ${secs('$5')}
         FROM old
       RETURNING ${this.sessionColumns}`,
      [id, uuidv7(), cap, lease.token, lease.seconds],
    );
  }

  /**
   * After a successful request: the lease (if `token` still holds it) is released, the request
   * counted when it ran in the session, and an active session's idle deadline moved forward.
   * Sent with the request's COMMIT (no round trip of its own).
   */
  async touch(
    id: string,
    cap: number,
    finished?: { token: string; counted: boolean },
  ): Promise<void> {
    await this.sql.deferToCommit(
      `UPDATE sessions s SET
          last_activity_at = CASE WHEN s.status = 'active' THEN now() ELSE s.last_activity_at END,
          expires_at = CASE WHEN s.status = 'active'
                            THEN least(now() + ${secs('s.ttl_seconds')}, s.created_at + ${secs('$2')})
                            ELSE s.expires_at END,
          request_count = s.request_count + $4::int,
          busy_until = CASE WHEN s.busy_token = $3 THEN NULL ELSE s.busy_until END,
          busy_token = CASE WHEN s.busy_token = $3 THEN NULL ELSE s.busy_token END
        WHERE s.id = $1`,
      [id, cap, finished?.token ?? null, finished?.counted ? 1 : 0],
    );
  }

  /** Whether a request holds the session's busy lease now (a lapsed lease holds nothing). */
  async leaseHeld(id: string): Promise<boolean> {
    const row = await this.sql.one<{ held: boolean }>(
      `SELECT ${BUSY} AS held FROM sessions s WHERE s.id = $1`,
      [id],
    );
    return row?.held === true;
  }

  /** Frees the lease after a failed request (at once, outside its rolled-back transaction). */
  async release(id: string, token: string): Promise<void> {
    await this.sql.autocommit.count(
      `UPDATE sessions SET busy_token = NULL, busy_until = NULL WHERE id = $1 AND busy_token = $2`,
      [id, token],
    );
  }

  /** Closes an active session; undefined when it was not active (then it stays as it is). */
  close(id: string): Promise<Session | undefined> {
    return this.sql.one<Session>(
      `UPDATE sessions s SET status = 'closed', closed_at = now()
        WHERE s.id = $1 AND s.status = 'active'
       RETURNING ${this.sessionColumns}`,
      [id],
    );
  }

  findById(id: string): Promise<Session | undefined> {
    return this.sql.one<Session>(`SELECT ${this.sessionColumns} FROM sessions s WHERE s.id = $1`, [
      id,
    ]);
  }

  /**
   * The user's sessions of a kind, newest first. `status` is what a reader sees: an active
   * session past its deadline counts as expired even before the sweep has marked it.
   */
  list(
    filters: SessionFilters,
    cap: number,
    take: number,
    after: CursorPosition | undefined,
  ): Promise<(Session & KeysetRow & { due: boolean })[]> {
    const params = new SqlParams();
    const due = DUE(params.bind(cap));
    const terms = [
      ...this.filterTerms(filters, cap, params),
      ...keysetAfter({ key: 's.created_at', id: 's.id' }, after, 'desc', params),
    ];
    return this.sql.rows(
      `SELECT ${this.sessionColumns}, ${due} AS due, s.created_at::text AS "cursorKey"
         FROM sessions s ${where(terms)}
        ORDER BY s.created_at DESC, s.id DESC LIMIT ${params.bind(take)}`,
      params.values,
    );
  }

  async count(filters: SessionFilters, cap: number): Promise<number> {
    const params = new SqlParams();
    const row = await this.sql.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM sessions s ${where(this.filterTerms(filters, cap, params))}`,
      params.values,
    );
    return row?.n ?? 0;
  }

  /**
   * Attaches the user's own active, unattached session in one statement, so two casefiles can
   * never both claim it. Undefined when it was not eligible (the caller then explains why).
   */
  attachToCasefile(id: string, userId: string, casefileId: string, cap: number) {
    return this.sql.one<Session>(
      `UPDATE sessions AS s SET casefile_id = $3
        WHERE s.id = $1 AND s.user_id = $2 AND s.casefile_id IS NULL
          AND s.status = 'active' AND NOT ${pastDeadline('$4')}
       RETURNING ${this.sessionColumns}`,
      [id, userId, casefileId, cap],
    );
  }

  private filterTerms(filters: SessionFilters, cap: number, params: SqlParams): string[] {
    const terms = [
      `s.user_id = ${params.bind(filters.userId)}`,
      `s.kind = ${params.bind(filters.kind)}`,
    ];
    if (filters.casefileId) terms.push(`s.casefile_id = ${params.bind(filters.casefileId)}`);
    if (filters.status === 'closed') terms.push(`s.status = 'closed'`);
    else if (filters.status === 'active') {
      terms.push(`(s.status = 'active' AND NOT ${DUE(params.bind(cap))})`);
    } else if (filters.status === 'expired') {
      terms.push(`(s.status = 'expired' OR ${DUE(params.bind(cap))})`);
    }
    return terms;
  }
}
