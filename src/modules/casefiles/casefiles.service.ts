import { Injectable } from '@nestjs/common';
import { DEFAULT_PAGE_SIZE, decodeCursor, type Page, toPage } from '../../core/http/pagination';
import { RequestValidationError } from '../../core/errors/system.errors';
import type { Actor } from '../../core/hub/actor';
import { AccessService } from '../access/access.service';
import { AuditTrail } from '../audit/audit-trail';
import { ToolSessionsService } from '../tool-sessions/tool-sessions.service';
import type { ToolSessionDto } from '../tool-sessions/dto/tool-session.dto';
import { type CasefileSort, validateConditions } from './casefile-conditions';
import { CasefileNotFoundError, VersionMismatchError } from './casefiles.errors';
import {
  type CasefileCriteria,
  type CasefileRow,
  CasefilesRepository,
  type ListedCasefileRow,
} from './casefiles.repository';
import type {
  CreateCasefileDto,
  CreateCasefileWithSessionDto,
  UpdateCasefileDto,
} from './dto/create-casefile.dto';
import type {
  AdminListCasefilesQuery,
  CasefileFiltersQuery,
  ListCasefilesQuery,
  ListSort,
  QueryCasefilesDto,
} from './dto/list-casefiles.query';
import type {
  AdminCasefileResponse,
  CasefileResponse,
  CasefileWithSessionResponse,
} from './dto/casefile.response';
import type { CasefileEventDto } from '../audit/audit.dto';
import { AuditService } from '../audit/audit.service';
import { UsersService } from '../auth/users/users.service';
import type { PageQuery } from '../../core/http/pagination';

export function toCasefileResponse(row: CasefileRow): CasefileResponse {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    tags: row.tags,
    owner_id: row.ownerId,
    version: row.version,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    counts: {
      tool_sessions: row.toolSessions,
      chat_sessions: 0,
      gmail_messages: 0,
      drive_files: 0,
      sheets: 0,
    },
    my_permission: row.myPermission,
  };
}

export function toAdminCasefileResponse(row: CasefileRow): AdminCasefileResponse {
  return { ...toCasefileResponse(row), deleted_at: row.deletedAt?.toISOString() ?? null };
}

export function sortOf(sort: ListSort | undefined): CasefileSort {
  const value = sort ?? '-created_at';
  return {
    key: value.replace(/^-/, '') as CasefileSort['key'],
    direction: value.startsWith('-') ? 'desc' : 'asc',
  };
}

/** The cursor of a sort: `-created_at`, `title`, … (a cursor only works for its own sort). */
export const sortName = (sort: CasefileSort) =>
  `${sort.direction === 'desc' ? '-' : ''}${sort.key}`;

const keyKindOf = (sort: CasefileSort) => (sort.key === 'title' ? 'text' : 'timestamp');

export function criteriaOf(query: CasefileFiltersQuery): CasefileCriteria {
  return {
    tag: query.tag,
    q: query.q,
    createdAfter: query.created_after ? new Date(query.created_after) : undefined,
    createdBefore: query.created_before ? new Date(query.created_before) : undefined,
  };
}

/** Casefiles (API.md §4): the reference module the other domains copy. */
@Injectable()
export class CasefilesService {
  constructor(
    private readonly casefiles: CasefilesRepository,
    private readonly access: AccessService,
    private readonly toolSessions: ToolSessionsService,
    private readonly auditTrail: AuditTrail,
    private readonly audit: AuditService,
    private readonly users: UsersService,
  ) {}

  async create(actor: Actor, dto: CreateCasefileDto): Promise<CasefileResponse> {
    const row = await this.casefiles.insert({
      ownerId: actor.userId,
      title: dto.title,
      description: dto.description ?? null,
      tags: dto.tags ?? [],
    });
    this.noteCasefile(row.id, { title: row.title });
    return toCasefileResponse(row);
  }

  /** Casefile and tool session together: the hub's transaction makes it both or neither. */
  async createWithSession(
    actor: Actor,
    dto: CreateCasefileWithSessionDto,
  ): Promise<CasefileWithSessionResponse> {
    const { session_ttl_seconds: ttlSeconds, ...casefileDto } = dto;
    const casefile = await this.create(actor, casefileDto);
    const session = await this.toolSessions.create(actor, {
      casefileId: casefile.id,
      ttlSeconds,
    });
    casefile.counts.tool_sessions = 1;
    return { casefile, tool_session: session };
  }

  async get(actor: Actor, id: string): Promise<CasefileResponse> {
    const row = await this.casefiles.findWithLevel(id, actor.userId);
    this.access.assertIncludes(id, row?.myPermission ?? null, 'viewer');
    return toCasefileResponse(row as CasefileRow);
  }

  async update(
    actor: Actor,
    id: string,
    dto: UpdateCasefileDto,
    expectedVersion: number | undefined,
  ): Promise<CasefileResponse> {
    if (dto.title === undefined && dto.description === undefined && dto.tags === undefined) {
      throw new RequestValidationError([
        { field: 'body', message: 'give at least one of title, description, tags' },
      ]);
    }
    const level = await this.access.require(actor, id, 'editor');
    this.noteCasefile(id, { changed: Object.keys(dto), if_match: expectedVersion ?? null });
    const row = await this.casefiles.update(id, dto, expectedVersion);
    if (!row) {
      const current = await this.casefiles.currentVersion(id);
      if (current === undefined) throw new CasefileNotFoundError();
      throw new VersionMismatchError(current);
    }
    this.auditTrail.note({ details: { version: row.version } });
    return toCasefileResponse({ ...row, myPermission: level });
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.access.require(actor, id, 'owner');
    this.noteCasefile(id);
    if (!(await this.casefiles.softDelete(id))) throw new CasefileNotFoundError();
  }

  async list(actor: Actor, query: ListCasefilesQuery): Promise<Page<CasefileResponse>> {
    return this.listVisible(
      actor,
      query.relation ?? 'all',
      criteriaOf(query),
      sortOf(query.sort),
      query,
    );
  }

  async query(actor: Actor, dto: QueryCasefilesDto): Promise<Page<CasefileResponse>> {
    const conditions = validateConditions(dto.filters ?? []);
    const sort: CasefileSort = {
      key: dto.sort_by ?? 'created_at',
      direction: dto.sort_order ?? 'desc',
    };
    return this.listVisible(actor, 'all', { conditions }, sort, dto);
  }

  async addSession(actor: Actor, id: string, sessionId: string): Promise<ToolSessionDto> {
    await this.access.require(actor, id, 'editor');
    this.noteCasefile(id, { tool_session_id: sessionId });
    return this.toolSessions.attachToCasefile(actor, sessionId, id);
  }

  /** The casefile's audit timeline, newest first (viewer). */
  async events(actor: Actor, id: string, page: PageQuery): Promise<Page<CasefileEventDto>> {
    await this.access.require(actor, id, 'viewer');
    return this.audit.listForCasefile(id, page);
  }

  /** Every casefile, deleted ones on request (admin routes; roles are checked by the guard). */
  async adminList(
    actor: Actor,
    query: AdminListCasefilesQuery,
  ): Promise<Page<AdminCasefileResponse>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const sort = sortOf(query.sort);
    const name = sortName(sort);
    const after = query.cursor ? decodeCursor(name, query.cursor, keyKindOf(sort)) : undefined;
    const criteria: CasefileCriteria = {
      ...criteriaOf(query),
      ownerId: query.owner_id,
      includeDeleted: query.include_deleted ?? false,
    };
    const rows = await this.casefiles.listAll(actor.userId, criteria, sort, limit, after);
    const result = toPage(rows, limit, name, positionOf, toAdminCasefileResponse);
    if (query.include_total) result.total = await this.casefiles.countAll(criteria);
    return result;
  }

  /** Moves ownership (admin); the previous owner keeps the casefile as a manager. */
  async transfer(actor: Actor, id: string, newOwnerId: string): Promise<AdminCasefileResponse> {
    this.noteCasefile(id, { new_owner_id: newOwnerId });
    const previousOwnerId = await this.casefiles.lockOwner(id);
    if (previousOwnerId === undefined) throw new CasefileNotFoundError();
    const newOwner = await this.users.findByReference({ id: newOwnerId });
    if (newOwner.id !== previousOwnerId) {
      await this.casefiles.setOwner(id, newOwner.id);
      await this.access.afterOwnerChange(id, previousOwnerId, newOwner.id, actor.userId);
    }
    this.auditTrail.note({ details: { previous_owner_id: previousOwnerId } });
    // still live: the row has been locked since lockOwner()
    const row = await this.casefiles.findWithLevel(id, actor.userId);
    return toAdminCasefileResponse(row as CasefileRow);
  }

  private async listVisible(
    actor: Actor,
    relation: 'all' | 'owned' | 'shared',
    criteria: CasefileCriteria,
    sort: CasefileSort,
    page: { limit?: number; cursor?: string; include_total?: boolean },
  ): Promise<Page<CasefileResponse>> {
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const name = sortName(sort);
    const after = page.cursor ? decodeCursor(name, page.cursor, keyKindOf(sort)) : undefined;
    const rows = await this.casefiles.listVisible(
      actor.userId,
      relation,
      criteria,
      sort,
      limit,
      after,
    );
    const result = toPage(rows, limit, name, positionOf, toCasefileResponse);
    if (page.include_total) {
      result.total = await this.casefiles.countVisible(actor.userId, relation, criteria);
    }
    return result;
  }

  private noteCasefile(id: string, details?: Record<string, unknown>): void {
    this.auditTrail.note({ resourceType: 'casefile', resourceId: id, casefileId: id, details });
  }
}

export const positionOf = (row: ListedCasefileRow) => ({ key: row.cursorKey, id: row.id });
