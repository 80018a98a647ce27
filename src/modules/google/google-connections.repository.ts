import { Injectable } from '@nestjs/common';
import { type CursorPosition, keysetAfter } from '../../platform/database/keyset';
import { Sql, SqlParams, where } from '../../platform/database/sql';
import { GoogleConnectionEntity } from './google-connection.entity';

/** A connection as its owner sees it: never a token, a verifier or a state. */
export type GoogleConnectionRow = Pick<
  GoogleConnectionEntity,
  'id' | 'userId' | 'status' | 'email' | 'scopes' | 'createdAt' | 'lastUsedAt'
>;

/** How long the browser may stay at Google before its `state` is no longer honoured. */
export const PENDING_SECONDS = 600;
/** Pending connections one user may have at once; starting another drops the oldest. */
export const MAX_PENDING = 10;

const LIVE = `NOT (c.status = 'pending' AND c.created_at <= now() - make_interval(secs => ${PENDING_SECONDS}))`;

/** `google_connections`: every lifecycle step is one statement, so two callers never both win. */
@Injectable()
export class GoogleConnectionsRepository {
  /** The SELECT list of a row (names from the entity). */
  private readonly rowColumns: string;

  constructor(private readonly sql: Sql) {
    this.rowColumns = sql
      .columnsOf(GoogleConnectionEntity)
      .select('c', ['id', 'userId', 'status', 'email', 'scopes', 'createdAt', 'lastUsedAt']);
  }

  /**
   * A new pending connection. The user's expired pending ones go, and the oldest beyond
   * MAX_PENDING − 1 live ones, so abandoned flows cannot pile up.
   */
  async insertPending(row: {
    id: string;
    userId: string;
    stateHash: string;
    codeVerifier: string;
    returnUrl: string;
  }): Promise<GoogleConnectionRow> {
    await this.sql.count(
      `DELETE FROM google_connections c
        WHERE c.user_id = $1 AND c.status = 'pending'
          AND (NOT ${LIVE} OR c.id NOT IN (
            SELECT p.id FROM google_connections p
             WHERE p.user_id = $1 AND p.status = 'pending'
             ORDER BY p.created_at DESC, p.id DESC LIMIT ${MAX_PENDING - 1}))`,
      [row.userId],
    );
    const inserted = await this.sql.one<GoogleConnectionRow>(
      `INSERT INTO google_connections AS c (id, user_id, state_hash, code_verifier, return_url)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${this.rowColumns}`,
      [row.id, row.userId, row.stateHash, row.codeVerifier, row.returnUrl],
    );
    return inserted!;
  }

  /**
   * Google's redirect for the pending connection a `state` names, once: the state is spent, the
   * code kept (sealed) with the hash of the confirmation the browser is given, in one statement,
   * so a replayed callback finds nothing. Undefined when unknown, spent or expired.
   */
  takeCallback(
    stateHash: string,
    code: string,
    confirmationHash: string,
  ): Promise<{ id: string; returnUrl: string } | undefined> {
    return this.sql.one(
      `UPDATE google_connections c SET state_hash = NULL, code = $2, confirmation_hash = $3
        WHERE c.state_hash = $1 AND c.status = 'pending' AND ${LIVE}
        RETURNING c.id, c.return_url AS "returnUrl"`,
      [stateHash, code, confirmationHash],
    );
  }

  /** The state is spent and nothing kept: the user declined, or Google sent no code. */
  async dropByState(stateHash: string): Promise<{ returnUrl: string } | undefined> {
    return this.sql.one(
      `DELETE FROM google_connections c
        WHERE c.state_hash = $1 AND c.status = 'pending' AND ${LIVE}
        RETURNING c.return_url AS "returnUrl"`,
      [stateHash],
    );
  }

  /**
   * The user's confirmation of their pending connection, once: answers the sealed code and
   * verifier (erasing the code and the confirmation in the same statement), or undefined when
   * the connection is not the user's, the confirmation is wrong or spent, or it expired.
   */
  takeConfirmation(
    id: string,
    userId: string,
    confirmationHash: string,
  ): Promise<{ code: string; codeVerifier: string } | undefined> {
    return this.sql.one(
      `WITH confirmed AS (
         SELECT id, code, code_verifier FROM google_connections c
          WHERE c.id = $1 AND c.user_id = $2 AND c.confirmation_hash = $3
            AND c.status = 'pending' AND ${LIVE}
          FOR UPDATE)
       UPDATE google_connections g SET code = NULL, confirmation_hash = NULL
         FROM confirmed WHERE g.id = confirmed.id
       RETURNING confirmed.code, confirmed.code_verifier AS "codeVerifier"`,
      [id, userId, confirmationHash],
    );
  }

  /** The pending connection becomes active with its grant; undefined if revoked meanwhile. */
  activate(
    id: string,
    grant: { email: string; scopes: string[]; refreshToken: string },
  ): Promise<GoogleConnectionRow | undefined> {
    return this.sql.one(
      `UPDATE google_connections c SET status = 'active', email = $2, scopes = $3,
              refresh_token = $4, code_verifier = NULL, return_url = NULL, authorized_at = now()
        WHERE c.id = $1 AND c.status = 'pending'
        RETURNING ${this.rowColumns}`,
      [id, grant.email, grant.scopes, grant.refreshToken],
    );
  }

  /** A pending connection whose authorization failed: it never became one. */
  async dropPending(id: string): Promise<void> {
    await this.sql.count(`DELETE FROM google_connections WHERE id = $1 AND status = 'pending'`, [
      id,
    ]);
  }

  /** A page of the user's connections, newest first (expired pending ones left out). */
  list(userId: string, take: number, after: CursorPosition | undefined) {
    const params = new SqlParams();
    const terms = [
      `c.user_id = ${params.bind(userId)}`,
      LIVE,
      ...keysetAfter(
        { key: 'c.created_at', id: 'c.id', keyType: 'timestamptz' },
        after,
        'desc',
        params,
      ),
    ];
    return this.sql.rows<GoogleConnectionRow & { cursorKey: string }>(
      `SELECT ${this.rowColumns}, c.created_at::text AS "cursorKey"
         FROM google_connections c ${where(terms)}
        ORDER BY c.created_at DESC, c.id DESC LIMIT ${params.bind(take)}`,
      params.values,
    );
  }

  async count(userId: string): Promise<number> {
    const row = await this.sql.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM google_connections c WHERE c.user_id = $1 AND ${LIVE}`,
      [userId],
    );
    return row?.n ?? 0;
  }

  /**
   * Revokes the user's connection (any state): the token, state and verifier are forgotten in
   * the statement. Answers the sealed refresh token it held (to revoke at Google), null if none;
   * undefined when the connection is not the user's.
   */
  async revoke(id: string, userId: string): Promise<{ refreshToken: string | null } | undefined> {
    return this.sql.one(
      `WITH before AS (
         SELECT id, refresh_token FROM google_connections
          WHERE id = $1 AND user_id = $2 FOR UPDATE)
       UPDATE google_connections c
          SET status = 'revoked', refresh_token = NULL, access_token = NULL,
              access_token_expires_at = NULL, state_hash = NULL, code_verifier = NULL,
              code = NULL, confirmation_hash = NULL, revoked_at = coalesce(c.revoked_at, now())
         FROM before WHERE c.id = before.id
       RETURNING before.refresh_token AS "refreshToken"`,
      [id, userId],
    );
  }

  /**
   * The sealed tokens of an active connection (the sync's own lookup, not a user's): its refresh
   * token, and its last access token while that has a minute left.
   */
  tokensOf(id: string): Promise<{ refreshToken: string; accessToken: string | null } | undefined> {
    return this.sql.one(
      `UPDATE google_connections SET last_used_at = now()
        WHERE id = $1 AND status = 'active'
        RETURNING refresh_token AS "refreshToken",
                  CASE WHEN access_token_expires_at > now() + interval '60 seconds'
                       THEN access_token END AS "accessToken"`,
      [id],
    );
  }

  /** Keeps a new access token (sealed) for the connection's next users, while it is active. */
  async keepAccessToken(id: string, accessToken: string, expiresAt: Date): Promise<void> {
    await this.sql.count(
      `UPDATE google_connections SET access_token = $2, access_token_expires_at = $3
        WHERE id = $1 AND status = 'active'`,
      [id, accessToken, expiresAt],
    );
  }

  /** The user's connection's status and scopes, or undefined when it is not theirs (or not found). */
  statusOf(id: string, userId: string): Promise<{ status: string; scopes: string[] } | undefined> {
    return this.sql.one(
      `SELECT c.status, c.scopes FROM google_connections c WHERE c.id = $1 AND c.user_id = $2 AND ${LIVE}`,
      [id, userId],
    );
  }

  /** Google refused the grant: the connection is revoked, its tokens forgotten. */
  async markRevoked(id: string): Promise<void> {
    await this.sql.count(
      `UPDATE google_connections SET status = 'revoked', refresh_token = NULL, access_token = NULL,
              access_token_expires_at = NULL, revoked_at = coalesce(revoked_at, now())
        WHERE id = $1 AND status = 'active'`,
      [id],
    );
  }
}
