import { Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import { Sql } from '../../database/sql';
import type { ToolSessionEntity } from './tool-session.entity';

const SESSION = `s.id, s.user_id AS "userId", s.casefile_id AS "casefileId", s.status,
  s.ttl_seconds AS "ttlSeconds", s.created_at AS "createdAt", s.last_activity_at AS "lastActivityAt",
  s.expires_at AS "expiresAt", s.closed_at AS "closedAt", s.request_count AS "requestCount"`;

@Injectable()
export class ToolSessionsRepository {
  constructor(private readonly sql: Sql) {}

  /** A new active session; `expires_at` is now + ttl, never past the absolute cap. */
  async insert(session: {
    userId: string;
    casefileId: string | null;
    ttlSeconds: number;
    maxTtlSeconds: number;
  }): Promise<ToolSessionEntity> {
    const row = await this.sql.one<ToolSessionEntity>(
      `INSERT INTO tool_sessions AS s (id, user_id, casefile_id, ttl_seconds, expires_at)
       VALUES ($1, $2, $3, $4::int, now() + make_interval(secs => least($4::int, $5::int)))
       RETURNING ${SESSION}`,
      [uuidv7(), session.userId, session.casefileId, session.ttlSeconds, session.maxTtlSeconds],
    );
    return row as ToolSessionEntity;
  }

  findById(id: string): Promise<ToolSessionEntity | undefined> {
    return this.sql.one<ToolSessionEntity>(
      `SELECT ${SESSION} FROM tool_sessions s WHERE s.id = $1`,
      [id],
    );
  }

  /**
   * Attaches the user's own active, unattached session in one statement, so two casefiles can
   * never both claim it. Undefined when it was not eligible (the caller then explains why).
   */
  attachToCasefile(
    id: string,
    userId: string,
    casefileId: string,
  ): Promise<ToolSessionEntity | undefined> {
    return this.sql.one<ToolSessionEntity>(
      `UPDATE tool_sessions AS s SET casefile_id = $3
        WHERE s.id = $1 AND s.user_id = $2 AND s.casefile_id IS NULL
          AND s.status = 'active' AND s.expires_at > now()
       RETURNING ${SESSION}`,
      [id, userId, casefileId],
    );
  }
}
