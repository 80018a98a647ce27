import { Injectable } from '@nestjs/common';
import { type Page, type PageQuery, paginate } from '../../core/http/pagination';
import { RequestValidationError } from '../../platform/errors/system.errors';
import type { Actor } from '../../core/hub/actor';
import { type CasefileSort, validateConditions } from './casefile-conditions';
import { CasefileNotFoundError, VersionMismatchError } from './casefiles.errors';
import type { CasefileCriteria } from './casefile-list.sql';
import { type CasefileRow, CasefilesRepository } from './casefiles.repository';
import type { CreateCasefileDto, UpdateCasefileDto } from './dto/create-casefile.dto';
import type {
  AdminListCasefilesQuery,
  CasefileFiltersQuery,
  ListCasefilesQuery,
  ListSort,
  QueryCasefilesDto,
} from './dto/list-casefiles.dto';
import type { AdminCasefileDto, CasefileDto } from './dto/casefile.dto';
import { AccessService } from '../access';
import { AuditService, AuditTrail, type CasefileEventDto } from '../audit';
import { UsersService } from '../auth';

const NO_CONTENTS = {
  tool_sessions: 0,
  chat_sessions: 0,
  gmail_messages: 0,
  drive_files: 0,
  sheets: 0,
} as const satisfies CasefileDto['counts'];

function toCasefileDto(row: CasefileRow): CasefileDto {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    tags: row.tags,
    owner_id: row.ownerId,
    version: row.version,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    counts: { ...NO_CONTENTS, ...row.counts },
    my_permission: row.myPermission,
  };
}

function toAdminCasefileDto(row: CasefileRow): AdminCasefileDto {
  return { ...toCasefileDto(row), deleted_at: row.deletedAt?.toISOString() ?? null };
}

export function sortOf(sort: ListSort | undefined): CasefileSort {
  const value = sort ?? '-created_at';
  return {
    key: value.replace(/^-/, '') as CasefileSort['key'],
    direction: value.startsWith('-') ? 'desc' : 'asc',
  };
}

/** A sort as a cursor knows it: `-created_at`, `title`, … (a cursor only works for its own sort). */
const keysetOf = (sort: CasefileSort) => ({
  sort: `${sort.direction === 'desc' ? '-' : ''}${sort.key}`,
  keyKind: sort.key === 'title' ? ('text' as const) : ('timestamp' as const),
});

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
    private readonly auditTrail: AuditTrail,
    private readonly audit: AuditService,
    private readonly users: UsersService,
  ) {}

  async create(actor: Actor, dto: CreateCasefileDto): Promise<CasefileDto> {
    const row = await this.casefiles.insert({
      ownerId: actor.userId,
      title: dto.title,
      description: dto.description ?? null,
      tags: dto.tags ?? [],
    });
    this.noteCasefile(row.id, { title: row.title });
    return toCasefileDto(row);
  }

  async get(actor: Actor, id: string): Promise<CasefileDto> {
    const row = await this.casefiles.findWithLevel(id, actor.userId);
    this.access.assertIncludes(id, row?.myPermission ?? null, 'viewer');
    return toCasefileDto(row as CasefileRow);
  }

  async update(
    actor: Actor,
    id: string,
    dto: UpdateCasefileDto,
    expectedVersion: number | undefined,
  ): Promise<CasefileDto> {
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
    return toCasefileDto({ ...row, myPermission: level });
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.access.require(actor, id, 'owner');
    this.noteCasefile(id);
    if (!(await this.casefiles.softDelete(id))) throw new CasefileNotFoundError();
  }

  async list(actor: Actor, query: ListCasefilesQuery): Promise<Page<CasefileDto>> {
    return this.listVisible(
      actor,
      query.relation ?? 'all',
      criteriaOf(query),
      sortOf(query.sort),
      query,
    );
  }

  async query(actor: Actor, dto: QueryCasefilesDto): Promise<Page<CasefileDto>> {
    const conditions = validateConditions(dto.filters ?? []);
    const sort: CasefileSort = {
      key: dto.sort_by ?? 'created_at',
      direction: dto.sort_order ?? 'desc',
    };
    return this.listVisible(actor, 'all', { conditions }, sort, dto);
  }

  /** The casefile's audit timeline, newest first (viewer). */
  async events(actor: Actor, id: string, page: PageQuery): Promise<Page<CasefileEventDto>> {
    await this.access.require(actor, id, 'viewer');
    return this.audit.listForCasefile(id, page);
  }

  /** Every casefile, deleted ones on request (admin routes; roles are checked by the guard). */
  async adminList(actor: Actor, query: AdminListCasefilesQuery): Promise<Page<AdminCasefileDto>> {
    const sort = sortOf(query.sort);
    const criteria: CasefileCriteria = {
      ...criteriaOf(query),
      ownerId: query.owner_id,
      includeDeleted: query.include_deleted ?? false,
    };
    return paginate(
      query,
      {
        ...keysetOf(sort),
        fetch: (take, after) => this.casefiles.listAll(actor.userId, criteria, sort, take, after),
        count: () => this.casefiles.countAll(criteria),
      },
      toAdminCasefileDto,
    );
  }

  /** Moves ownership (admin); the previous owner keeps the casefile as a manager. */
  async transfer(actor: Actor, id: string, newOwnerId: string): Promise<AdminCasefileDto> {
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
    return toAdminCasefileDto(row as CasefileRow);
  }

  private listVisible(
    actor: Actor,
    relation: 'all' | 'owned' | 'shared',
    criteria: CasefileCriteria,
    sort: CasefileSort,
    page: PageQuery,
  ): Promise<Page<CasefileDto>> {
    return paginate(
      page,
      {
        ...keysetOf(sort),
        fetch: (take, after) =>
          this.casefiles.listVisible(actor.userId, relation, criteria, sort, take, after),
        count: () => this.casefiles.countVisible(actor.userId, relation, criteria),
      },
      toCasefileDto,
    );
  }

  private noteCasefile(id: string, details?: Record<string, unknown>): void {
    this.auditTrail.note({ resourceType: 'casefile', resourceId: id, casefileId: id, details });
  }
}
