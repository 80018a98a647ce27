import { Injectable } from '@nestjs/common';
import { Sql, SqlParams, where } from '../../platform/database/sql';
import { AuditEventEntity, type AuditStatus } from './audit-event.entity';
import { type CursorPosition } from '../../platform/database/keyset';

/** An event as recorded; the sealing columns belong to the chain (audit-chain.ts). */
export type AuditEventRow = Omit<AuditEventEntity, 'seq' | 'prevHash' | 'hash' | 'sealedAt'>;

export interface AuditFilters {
  userId?: string;
  operation?: string;
  casefileId?: string;
  status?: AuditStatus;
  after?: Date;
  before?: Date;
}

function filterTerms(filters: AuditFilters, params: SqlParams): string[] {
  const terms: string[] = [];
  if (filters.userId) terms.push(`e.user_id = ${params.bind(filters.userId)}`);
  if (filters.operation) terms.push(`e.operation = ${params.bind(filters.operation)}`);
  if (filters.casefileId) terms.push(`e.casefile_id = ${params.bind(filters.casefileId)}`);
  if (filters.status) terms.push(`e.status = ${params.bind(filters.status)}`);
  if (filters.after) terms.push(`e.at > ${params.bind(filters.after)}`);
  if (filters.before) terms.push(`e.at < ${params.bind(filters.before)}`);
  return terms;
}

@Injectable()
export class AuditRepository {
  /** The SELECT list of a row (names from the entity). */
  private readonly eventColumns: string;

  constructor(private readonly sql: Sql) {
    this.eventColumns = sql
      .columnsOf(AuditEventEntity)
      .select('e', [
        'id',
        'at',
        'requestId',
        'userId',
        'operation',
        'resourceType',
        'resourceId',
        'casefileId',
        'status',
        'httpStatus',
        'details',
        'ip',
        'userAgent',
      ]);
  }

  /**
   * Joins the request's transaction when there is one — sent with its COMMIT, so no change
   * without its event and no extra round trip; otherwise written at once.
   */
  async insert(event: Omit<AuditEventRow, 'at'>): Promise<void> {
    await this.sql.deferToCommit(
      `INSERT INTO audit_events (id, request_id, user_id, operation, resource_type, resource_id,
                                 casefile_id, status, http_status, details, ip, user_agent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        event.id,
        event.requestId,
        event.userId,
        event.operation,
        event.resourceType,
        event.resourceId,
        event.casefileId,
        event.status,
        event.httpStatus,
        JSON.stringify(event.details),
        event.ip,
        event.userAgent,
      ],
    );
  }

  async count(filters: AuditFilters): Promise<number> {
    const params = new SqlParams();
    const row = await this.sql.one<{ total: number }>(
      `SELECT count(*)::int AS total FROM audit_events e ${where(filterTerms(filters, params))}`,
      params.values,
    );
    return row?.total ?? 0;
  }

  /** Newest first (keyset on at, id). */
  listPage(
    filters: AuditFilters,
    take: number,
    after: CursorPosition | undefined,
  ): Promise<(AuditEventRow & { cursorKey: string })[]> {
    const params = new SqlParams();
    const terms = filterTerms(filters, params);
    if (after) {
      terms.push(
        `(e.at, e.id) < (${params.bind(after.key)}::timestamptz, ${params.bind(after.id)}::uuid)`,
      );
    }
    return this.sql.rows(
      `SELECT ${this.eventColumns}, e.at::text AS "cursorKey" FROM audit_events e ${where(terms)}
        ORDER BY e.at DESC, e.id DESC LIMIT ${params.bind(take)}`,
      params.values,
    );
  }
}
