import { Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  type Page,
  type PageQuery,
  toPage,
} from '../../core/http/pagination';
import type { RequestContext } from '../../core/hub/request-context';
import type { AuditStatus } from './audit-event.entity';
import {
  type AuditEventDto,
  type CasefileEventDto,
  type ListAuditEventsQuery,
  toAuditEventDto,
  toCasefileEventDto,
} from './audit.dto';
import { AuditRepository } from './audit.repository';

const SORT = '-at';

@Injectable()
export class AuditService {
  constructor(private readonly events: AuditRepository) {}

  /** One event for the request in `ctx`, from what the hub and the service's AuditTrail know. */
  record(
    ctx: RequestContext,
    status: AuditStatus,
    httpStatus: number,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    const note = ctx.audit ?? {};
    return this.events.insert({
      id: uuidv7(),
      requestId: ctx.requestId,
      userId: ctx.actor?.userId ?? note.userId ?? null,
      operation: ctx.operation,
      resourceType: note.resourceType ?? null,
      resourceId: note.resourceId ?? null,
      casefileId: note.casefileId ?? null,
      status,
      httpStatus,
      details: {
        ...note.details,
        ...extra,
        ...(ctx.actor?.authMethod === 'api_key' && { api_key_id: ctx.actor.apiKeyId }),
      },
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent?.slice(0, 512) ?? null,
    });
  }

  /** A casefile's timeline: what was done to it, newest first (successes only; denials and
   * failures stay in the admin log). */
  async listForCasefile(casefileId: string, page: PageQuery): Promise<Page<CasefileEventDto>> {
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const after = page.cursor ? decodeCursor(SORT, page.cursor) : undefined;
    const filters = { casefileId, status: 'success' as const };
    const rows = await this.events.listPage(filters, limit, after);
    const result = toPage(
      rows,
      limit,
      SORT,
      (e) => ({ key: e.cursorKey, id: e.id }),
      toCasefileEventDto,
    );
    if (page.include_total) result.total = await this.events.count(filters);
    return result;
  }

  async list(query: ListAuditEventsQuery): Promise<Page<AuditEventDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? decodeCursor(SORT, query.cursor) : undefined;
    const filters = {
      userId: query.user_id,
      operation: query.operation,
      casefileId: query.casefile_id,
      status: query.status,
      after: query.after ? new Date(query.after) : undefined,
      before: query.before ? new Date(query.before) : undefined,
    };
    const rows = await this.events.listPage(filters, limit, after);
    const page = toPage(
      rows,
      limit,
      SORT,
      (e) => ({ key: e.cursorKey, id: e.id }),
      toAuditEventDto,
    );
    if (query.include_total) page.total = await this.events.count(filters);
    return page;
  }
}
