import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../../core/hub/actor';
import { AfterCommit } from '../../../core/hub/after-commit';
import { type Page, type PageQuery, paginate } from '../../../core/http/pagination';
import { MAX_MAX_ITEMS, type SyncJobDto } from './dto/sync-jobs.dto';
import {
  type CreateSyncSourceDto,
  DEFAULT_INTERVAL_MINUTES,
  type SyncSourceDto,
  toSyncSourceDto,
  type UpdateSyncSourceDto,
} from './dto/sync-sources.dto';
import type { SyncSource, SyncTrigger } from './sync-job.entity';
import { toSyncJobDto } from './sync-jobs.service';
import { SyncJobsRepository } from './sync-jobs.repository';
import { SyncQueue } from './sync-queue';
import { SYNC_RUNS_TOTAL } from './sync.metrics';
import { pullParamsOf } from './sync-params';
import { SyncSourcesRepository } from './sync-sources.repository';
import { NotSyncSourceCreatorError, SyncSourceNotFoundError } from './sync-jobs.errors';
import { AccessService, includesLevel, type PermissionLevel } from '../../access';
import { AuditTrail } from '../../audit';
import { GoogleConnectionsService } from '../../google';

/**
 * A run pulls at most this many items: a first (full) sync of a larger mailbox stores the newest
 * this many, and later runs follow every change from where it started.
 */
export const SOURCE_RUN_MAX_ITEMS = MAX_MAX_ITEMS;

/**
 * Sync sources (API.md §7.1): an editor of a casefile points one of their Google connections at
 * it; its runs (sync jobs) come on schedule or on demand and act for that editor. Its casefile's
 * viewers see it; editors change, run and delete it.
 */
@Injectable()
export class SyncSourcesService {
  constructor(
    private readonly access: AccessService,
    private readonly sources: SyncSourcesRepository,
    private readonly jobs: SyncJobsRepository,
    private readonly queue: SyncQueue,
    private readonly connections: GoogleConnectionsService,
    private readonly afterCommit: AfterCommit,
    private readonly auditTrail: AuditTrail,
    @InjectMetric(SYNC_RUNS_TOTAL) private readonly ended: Counter<string>,
  ) {}

  async create(actor: Actor, casefileId: string, dto: CreateSyncSourceDto): Promise<SyncSourceDto> {
    await this.access.require(actor, casefileId, 'editor');
    const params = pullParamsOf(dto);
    await this.connections.requireActive(actor, dto.connection_id, dto.source);
    const row = await this.sources.insert({
      id: uuidv7(),
      casefileId,
      createdBy: actor.userId,
      connectionId: dto.connection_id,
      source: dto.source,
      params,
      intervalMinutes: dto.interval_minutes ?? DEFAULT_INTERVAL_MINUTES,
    });
    this.auditTrail.note({
      resourceType: 'sync_source',
      resourceId: row.id,
      casefileId,
      details: { source: dto.source, connection_id: dto.connection_id, ...params },
    });
    // its first run starts at once; the schedule takes over an interval later
    await this.start(row.id, 'schedule');
    return toSyncSourceDto((await this.sources.find(row.id)) ?? row);
  }

  async list(actor: Actor, casefileId: string, query: PageQuery): Promise<Page<SyncSourceDto>> {
    await this.access.require(actor, casefileId, 'viewer');
    return paginate(
      query,
      {
        sort: 'created_at',
        fetch: (take, after) => this.sources.list(casefileId, take, after),
        count: () => this.sources.count(casefileId),
      },
      toSyncSourceDto,
    );
  }

  async get(actor: Actor, id: string): Promise<SyncSourceDto> {
    return toSyncSourceDto(await this.find(actor, id, 'viewer'));
  }

  /**
   * Pauses or resumes the source, changes its interval (its casefile's editors) or its query
   * (only its creator: the query says what of their mailbox or Drive the casefile takes). A new
   * query cancels the run in progress, and the next run is a full one.
   */
  async update(actor: Actor, id: string, dto: UpdateSyncSourceDto): Promise<SyncSourceDto> {
    const found = await this.find(actor, id, 'editor');
    const requery = dto.query !== undefined && dto.query !== found.params.query;
    if (requery) {
      if (found.createdBy !== actor.userId) throw new NotSyncSourceCreatorError();
      pullParamsOf({ ...found.params, source: found.source, query: dto.query });
    }
    this.auditTrail.note({
      details: { paused: dto.paused, interval_minutes: dto.interval_minutes, query: dto.query },
    });
    const cancelled = requery ? await this.sources.cancelActiveJob(id) : undefined;
    const updated = await this.sources.update(id, {
      paused: dto.paused,
      intervalMinutes: dto.interval_minutes,
      query: requery ? dto.query : undefined,
    });
    if (!updated) throw new SyncSourceNotFoundError();
    if (cancelled) await this.countCancelled(cancelled);
    return toSyncSourceDto(updated);
  }

  /** Deletes the source; its queued or running job is cancelled, its past jobs stay listed. */
  async remove(actor: Actor, id: string): Promise<void> {
    await this.find(actor, id, 'editor');
    const cancelled = await this.sources.delete(id);
    this.auditTrail.note({ details: { cancelled_job: cancelled?.id ?? null } });
    if (cancelled) await this.countCancelled(cancelled);
  }

  private countCancelled(job: { source: SyncSource; trigger: SyncTrigger }): Promise<void> {
    return this.afterCommit.run(() =>
      Promise.resolve(this.ended.inc({ ...job, status: 'cancelled' })),
    );
  }

  /**
   * A run now (`manual`), 202 with its job; while a run is queued or running, that run is the
   * answer (a source has one at a time).
   */
  async run(actor: Actor, id: string): Promise<SyncJobDto> {
    await this.find(actor, id, 'editor');
    const jobId = (await this.start(id, 'manual')) ?? (await this.sources.activeJob(id));
    const job = jobId === undefined ? undefined : await this.jobs.find(jobId);
    if (!job) throw new SyncSourceNotFoundError(); // deleted meanwhile
    this.auditTrail.note({ details: { sync_job_id: job.id } });
    return toSyncJobDto(job);
  }

  /**
   * Queues a run of the source in the caller's transaction, woken after it commits; the new
   * job's id, or undefined when the source has one queued or running.
   */
  async start(sourceId: string, trigger: SyncTrigger): Promise<string | undefined> {
    const started = await this.sources.startRun(sourceId, uuidv7(), trigger, SOURCE_RUN_MAX_ITEMS);
    if (!started) return undefined;
    await this.queue.enqueue(started.jobId);
    await this.afterCommit.run(() => Promise.resolve(this.queue.wake()));
    return started.jobId;
  }

  /** The source, when the caller has `needed` on its casefile; else 404 (or 403 for a viewer). */
  private async find(actor: Actor, id: string, needed: PermissionLevel) {
    const found = await this.sources.findFor(id, actor.userId);
    this.auditTrail.note({
      resourceType: 'sync_source',
      resourceId: id,
      casefileId: found?.casefileId,
    });
    if (!found || found.level === null) throw new SyncSourceNotFoundError();
    if (!includesLevel(found.level, needed)) {
      await this.access.require(actor, found.casefileId, needed); // the contract's 403
    }
    return found;
  }
}
