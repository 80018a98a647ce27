import { Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import { type Page, type PageQuery, paginate } from '../../core/http/pagination';
import { ClsService } from 'nestjs-cls';
import type { RequestContext } from '../../core/hub/request-context';
import { currentRequest, type HubClsStore } from '../../core/hub/work-context';
import type { AuditStatus } from './audit-event.entity';
import { AuditTrail } from './audit-trail';
import {
  type AuditEventDto,
  type CasefileEventDto,
  type ListAuditEventsQuery,
  toAuditEventDto,
  toCasefileEventDto,
} from './dto/audit.dto';
import { type AuditEventRow, type AuditFilters, AuditRepository } from './audit.repository';

@Injectable()
export class AuditService {
  constructor(
    private readonly events: AuditRepository,
    private readonly cls: ClsService<HubClsStore>,
    private readonly trail: AuditTrail,
  ) {}

  /**
   * For operations that run their own transaction (`transaction: false`: login, refresh, logout,
   * revoking a key): writes the request's success event now, inside that transaction, so it
   * commits with the change; the audit hook then writes nothing more. Failures are still written
   * by the hook after the rollback.
   */
  async recordSuccessInTransaction(): Promise<void> {
    const ctx = currentRequest(this.cls);
    if (!ctx || this.trail.written()) return;
    await this.record(ctx, 'success', ctx.successStatus);
    this.trail.markWritten();
  }

  /** One event for the request in `ctx`, from what the hub and the service's AuditTrail know. */
  record(
    ctx: RequestContext,
    status: AuditStatus,
    httpStatus: number,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    const note = this.trail.noted();
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

  /**
   * An event for background work that no request carries (a sync run ends): what it did, on
   * whose behalf, with its own id for `request_id`. In the work's transaction when it has one.
   */
  recordWork(event: {
    workId: string;
    operation: string;
    userId: string | null;
    resourceType: string;
    resourceId: string;
    casefileId: string;
    status: AuditStatus;
    httpStatus: number;
    details: Record<string, unknown>;
  }): Promise<void> {
    return this.events.insert({
      id: uuidv7(),
      requestId: event.workId,
      userId: event.userId,
      operation: event.operation,
      resourceType: event.resourceType,
      resourceId: event.resourceId,
      casefileId: event.casefileId,
      status: event.status,
      httpStatus: event.httpStatus,
      details: event.details,
      ip: null,
      userAgent: null,
    });
  }

  /** A casefile's timeline: what was done to it, newest first (successes only; denials and
   * failures stay in the admin log). */
  listForCasefile(casefileId: string, page: PageQuery): Promise<Page<CasefileEventDto>> {
    return this.page(page, { casefileId, status: 'success' }, toCasefileEventDto);
  }

  list(query: ListAuditEventsQuery): Promise<Page<AuditEventDto>> {
    const filters = {
      userId: query.user_id,
      operation: query.operation,
      casefileId: query.casefile_id,
      status: query.status,
      after: query.after ? new Date(query.after) : undefined,
      before: query.before ? new Date(query.before) : undefined,
    };
    return this.page(query, filters, toAuditEventDto);
  }

  private page<Item>(
    request: PageQuery,
    filters: AuditFilters,
    toItem: (event: AuditEventRow) => Item,
  ): Promise<Page<Item>> {
    return paginate(
      request,
      {
        sort: '-at',
        fetch: (take, after) => this.events.listPage(filters, take, after),
        count: () => this.events.count(filters),
      },
      toItem,
    );
  }
}
