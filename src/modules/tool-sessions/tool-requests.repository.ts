import { Injectable } from '@nestjs/common';
import { Sql, SqlParams, where } from '../../platform/database/sql';
import { ToolRequestEntity } from './tool-request.entity';
import { type CursorPosition, keysetAfter, type KeysetRow } from '../../platform/database/keyset';

@Injectable()
export class ToolRequestsRepository {
  /** The SELECT list of a row (names from the entity). */
  private readonly requestColumns: string;

  constructor(private readonly sql: Sql) {
    this.requestColumns = sql.columnsOf(ToolRequestEntity).select('r');
  }

  /**
   * Records an execution. Nobody reads the insert's answer (the caller built the row), so it is
   * sent with the request's COMMIT, together with the session's update and the audit event.
   */
  async record(request: ToolRequestEntity, resultJson: string | null): Promise<void> {
    await this.sql.deferToCommit(
      `INSERT INTO tool_requests
         (id, session_id, tool, parameters, status, result, error, started_at, duration_ms)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7::jsonb, $8, $9)`,
      [
        request.id,
        request.sessionId,
        request.tool,
        JSON.stringify(request.parameters),
        request.status,
        resultJson,
        request.error === null ? null : JSON.stringify(request.error),
        request.startedAt,
        request.durationMs,
      ],
    );
  }

  /** A session's requests, oldest first. */
  list(
    sessionId: string,
    take: number,
    after: CursorPosition | undefined,
  ): Promise<(ToolRequestEntity & KeysetRow)[]> {
    const params = new SqlParams();
    const terms = [
      `r.session_id = ${params.bind(sessionId)}`,
      ...keysetAfter({ key: 'r.started_at', id: 'r.id' }, after, 'asc', params),
    ];
    return this.sql.rows(
      `SELECT ${this.requestColumns}, r.started_at::text AS "cursorKey" FROM tool_requests r ${where(terms)}
        ORDER BY r.started_at, r.id LIMIT ${params.bind(take)}`,
      params.values,
    );
  }

  async count(sessionId: string): Promise<number> {
    const row = await this.sql.one<{ n: number }>(
      'SELECT count(*)::int AS n FROM tool_requests r WHERE r.session_id = $1',
      [sessionId],
    );
    return row?.n ?? 0;
  }
}
