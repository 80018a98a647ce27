import { Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import { RequestValidationError } from '../../../core/errors/system.errors';
import type { Actor } from '../../../core/hub/actor';
import { AfterCommit } from '../../../core/hub/after-commit';
import { SecretBox } from '../../../core/secrets/secret-box';
import { AccessService } from '../../access/access.service';
import { AuditTrail } from '../../audit/audit-trail';
import { includesLevel } from '../../access/permission-level';
import { type CreateSyncJobDto, DEFAULT_MAX_ITEMS, type SyncJobDto } from './dto/sync-jobs.dto';
import type { SyncParams } from './sync-job.entity';
import { type SyncJobRow, SyncJobsRepository } from './sync-jobs.repository';
import { SyncJobNotFoundError } from './sync-jobs.errors';
import { SyncQueue } from './sync-queue';

const toSyncJobDto = (row: SyncJobRow): SyncJobDto => ({
  id: row.id,
  casefile_id: row.casefileId,
  source: row.source,
  status: row.status,
  progress: {
    fetched: row.fetched,
    created: row.created,
    updated: row.updated,
    unchanged: row.unchanged,
  },
  error: row.error,
  created_at: row.createdAt.toISOString(),
  finished_at: row.finishedAt?.toISOString() ?? null,
});

/** What the source takes: `query` for Gmail and Drive, a spreadsheet and ranges for Sheets. */
function paramsOf(dto: CreateSyncJobDto): SyncParams {
  const sheets = dto.source === 'sheets';
  const misplaced = (sheets ? ['query'] : ['spreadsheet_id', 'ranges'])
    .filter((field) => dto[field as keyof CreateSyncJobDto] !== undefined)
    .map((field) => ({
      field,
      message: `${field} is only for source ${sheets ? 'gmail or drive' : 'sheets'}`,
    }));
  if (sheets && dto.spreadsheet_id === undefined) {
    misplaced.push({ field: 'spreadsheet_id', message: 'spreadsheet_id is required for sheets' });
  }
  if (misplaced.length > 0) throw new RequestValidationError(misplaced);
  return {
    query: dto.query,
    spreadsheet_id: dto.spreadsheet_id,
    ranges: dto.ranges,
    max_items: dto.max_items ?? DEFAULT_MAX_ITEMS,
  };
}

/**
 * Google pull-sync jobs (API.md §7): an editor queues one (202), its casefile's viewers follow
 * it. The access token is sealed before it is stored and erased when the job ends.
 */
@Injectable()
export class SyncJobsService {
  constructor(
    private readonly access: AccessService,
    private readonly jobs: SyncJobsRepository,
    private readonly queue: SyncQueue,
    private readonly secrets: SecretBox,
    private readonly afterCommit: AfterCommit,
    private readonly auditTrail: AuditTrail,
  ) {}

  async create(actor: Actor, casefileId: string, dto: CreateSyncJobDto): Promise<SyncJobDto> {
    await this.access.require(actor, casefileId, 'editor');
    const params = paramsOf(dto);
    const row = await this.jobs.insert({
      id: uuidv7(),
      casefileId,
      source: dto.source,
      params,
      accessToken: this.secrets.seal('google-access-tokens', dto.access_token),
    });
    this.auditTrail.note({
      resourceType: 'sync_job',
      resourceId: row.id,
      casefileId,
      details: { source: dto.source, ...params }, // never the token
    });
    await this.queue.enqueue(row.id);
    await this.afterCommit.run(() => Promise.resolve(this.queue.wake()));
    return toSyncJobDto(row);
  }

  async get(actor: Actor, id: string): Promise<SyncJobDto> {
    const found = await this.jobs.findFor(id, actor.userId);
    if (!found || !includesLevel(found.level, 'viewer')) throw new SyncJobNotFoundError();
    return toSyncJobDto(found);
  }
}
