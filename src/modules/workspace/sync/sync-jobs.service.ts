import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../../core/hub/actor';
import { AfterCommit } from '../../../core/hub/after-commit';
import { SYNC_RUNS_TOTAL } from './sync.metrics';
import { SecretBox } from '../../../core/secrets/secret-box';
import {
  type CreateSyncJobDto,
  DEFAULT_MAX_ITEMS,
  type ListSyncJobsQuery,
  type SyncJobDto,
} from './dto/sync-jobs.dto';
import { type Page, paginate } from '../../../core/http/pagination';
import { pullParamsOf } from './sync-params';
import type { SyncParams } from './sync-job.entity';
import { type SyncJobRow, SyncJobsRepository } from './sync-jobs.repository';
import { NotSyncJobCreatorError, SyncJobNotFoundError } from './sync-jobs.errors';
import { SyncQueue } from './sync-queue';
import { AccessService, includesLevel } from '../../access';
import { AuditTrail } from '../../audit';

export const toSyncJobDto = (row: SyncJobRow): SyncJobDto => ({
  id: row.id,
  casefile_id: row.casefileId,
  created_by: row.createdBy,
  source: row.source,
  source_id: row.sourceId,
  status: row.status,
  trigger: row.trigger,
  progress: {
    fetched: row.fetched,
    created: row.created,
    updated: row.updated,
    unchanged: row.unchanged,
    removed: row.removed,
    skipped: row.skipped,
  },
  error: row.error,
  created_at: row.createdAt.toISOString(),
  finished_at: row.finishedAt?.toISOString() ?? null,
});

/** What the job pulls, checked, and at most how many items. */
const paramsOf = (dto: CreateSyncJobDto): SyncParams => ({
  ...pullParamsOf(dto),
  max_items: dto.max_items ?? DEFAULT_MAX_ITEMS,
});

/**
 * Google pull-sync jobs (API.md §7): an editor queues one (202), its casefile's viewers follow
 * it, its creator or a manager cancels it. The access token is sealed before it is stored and
 * erased when the job ends.
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
    @InjectMetric(SYNC_RUNS_TOTAL) private readonly ended: Counter<string>,
  ) {}

  async create(actor: Actor, casefileId: string, dto: CreateSyncJobDto): Promise<SyncJobDto> {
    await this.access.require(actor, casefileId, 'editor');
    const params = paramsOf(dto);
    const row = await this.jobs.insert({
      id: uuidv7(),
      casefileId,
      createdBy: actor.userId,
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

  /** The casefile's jobs, newest first (its viewers). */
  async list(
    actor: Actor,
    casefileId: string,
    query: ListSyncJobsQuery,
  ): Promise<Page<SyncJobDto>> {
    await this.access.require(actor, casefileId, 'viewer');
    const filters = { status: query.status, source: query.source };
    return paginate(
      query,
      {
        sort: '-created_at',
        fetch: (take, after) => this.jobs.list(casefileId, filters, take, after),
        count: () => this.jobs.count(casefileId, filters),
      },
      toSyncJobDto,
    );
  }

  async get(actor: Actor, id: string): Promise<SyncJobDto> {
    const found = await this.jobs.findFor(id, actor.userId);
    if (!found || !includesLevel(found.level, 'viewer')) throw new SyncJobNotFoundError();
    return toSyncJobDto(found);
  }

  /**
   * Cancels a queued or running job (its creator, or a manager of its casefile; a source's run,
   * any editor there): it ends
   * `cancelled` at once, its token erased; a run holding it stores the page in flight and stops.
   * A job that has ended is answered as it is.
   */
  async cancel(actor: Actor, id: string): Promise<SyncJobDto> {
    const found = await this.jobs.findFor(id, actor.userId);
    if (!found || found.level === null) throw new SyncJobNotFoundError();
    this.auditTrail.note({
      resourceType: 'sync_job',
      resourceId: id,
      casefileId: found.casefileId,
    });
    // a source's run is its casefile's editors' to stop, as the source is theirs to run
    const mayCancel =
      found.createdBy === actor.userId ||
      includesLevel(found.level, found.sourceId === null ? 'manager' : 'editor');
    if (!mayCancel) throw new NotSyncJobCreatorError(found.level);
    const cancelled = await this.jobs.cancel(id);
    this.auditTrail.note({ details: { cancelled: cancelled !== undefined } });
    if (!cancelled) return toSyncJobDto((await this.jobs.find(id)) ?? found);
    await this.afterCommit.run(() =>
      Promise.resolve(
        this.ended.inc({
          source: cancelled.source,
          trigger: cancelled.trigger,
          status: 'cancelled',
        }),
      ),
    );
    return toSyncJobDto(cancelled);
  }
}
