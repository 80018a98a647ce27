import { Injectable } from '@nestjs/common';
import { Sql, SqlParams, where } from '../../../platform/database/sql';
import { type CursorPosition, keysetAfter } from '../../../platform/database/keyset';
import type { ImportCountsDto } from '../import-counts';
import {
  SyncJobEntity,
  type SyncParams,
  type SyncSource,
  type SyncStatus,
  type SyncTrigger,
} from './sync-job.entity';
import type { SyncSourceState } from './sync-source.entity';
import { casefileLevel, type PermissionLevel } from '../../access';
import { googleConnectionUsable } from '../../google';

export type SyncJobRow = Omit<SyncJobEntity, 'accessToken' | 'attempt' | 'cursor' | 'params'>;

/** A job as the run that claimed it sees it: what to pull, from where, and its fencing number. */
export interface ClaimedSyncJob {
  casefileId: string;
  source: SyncSource;
  params: SyncParams;
  trigger: SyncTrigger;
  /** A one-shot job's sealed access token; null for a source's run. */
  accessToken: string | null;
  attempt: number;
  cursor: unknown;
  fetched: number;
  /** A source's run: the source, its connection and where the last run left it. */
  sourceId: string | null;
  connectionId: string | null;
  sourceState: SyncSourceState | null;
}

/** What a run's end reports: the job, for whom and where it ran, and what it did in all. */
const ENDED_FIELDS = [
  'source',
  'trigger',
  'sourceId',
  'casefileId',
  'createdBy',
  'fetched',
  'created',
  'updated',
  'unchanged',
  'removed',
  'skipped',
] as const satisfies readonly (keyof SyncJobEntity)[];
export type EndedSyncJob = Pick<SyncJobEntity, (typeof ENDED_FIELDS)[number]>;

export interface SyncJobFilters {
  status?: SyncStatus;
  source?: SyncSource;
}

export interface SyncFailure {
  code: string;
  message: string;
  upstream_status?: number;
}

/**
 * Where a job stands before its run pulls the next page: its status and fencing number, whether
 * its casefile is live, and its creator's level there (null: none, or no creator).
 */
export interface SyncJobStanding {
  status: SyncStatus;
  attempt: number;
  createdBy: string | null;
  casefileLive: boolean;
  creatorLevel: PermissionLevel | null;
  /** A source's run: whether its Google connection is still active (null: a one-shot job). */
  connectionActive: boolean | null;
}

/**
 * The end of a job: its token is erased in the same statement (API.md §7). A cancelled job that
 * stores its page in flight keeps the time it was cancelled.
 */
const FINISHED = `access_token = NULL, finished_at = coalesce(finished_at, now())`;

/** The last page stored: a running job succeeded; a cancelled one stays cancelled. */
const LAST_PAGE = `status = CASE status WHEN 'running' THEN 'succeeded' ELSE status END,
  ${FINISHED}`;

/**
 * `sync_jobs`: every write by a run is fenced by the attempt it claimed, so a run that was given
 * up on (its worker stalled past the queue's expiry, and another run claimed the job) cannot
 * write anything — each race is decided in the statement itself.
 */
@Injectable()
export class SyncJobsRepository {
  /** The SELECT list of a row (names from the entity). */
  private readonly jobColumns: string;
  /** The SELECT list of an EndedSyncJob. */
  private readonly endedColumns: string;

  constructor(private readonly sql: Sql) {
    this.jobColumns = sql
      .columnsOf(SyncJobEntity)
      .select('', { omit: ['accessToken', 'attempt', 'cursor', 'params'] }); // SyncJobRow
    this.endedColumns = sql.columnsOf(SyncJobEntity).select('', ENDED_FIELDS);
  }

  /** A page of the casefile's jobs, newest first. */
  list(
    casefileId: string,
    filters: SyncJobFilters,
    take: number,
    after: CursorPosition | undefined,
  ): Promise<(SyncJobRow & { cursorKey: string })[]> {
    const params = new SqlParams();
    const terms = [
      ...this.filterTerms(casefileId, filters, params),
      ...keysetAfter({ key: 'created_at', id: 'id' }, after, 'desc', params),
    ];
    return this.sql.rows(
      `SELECT ${this.jobColumns}, created_at::text AS "cursorKey" FROM sync_jobs ${where(terms)}
        ORDER BY created_at DESC, id DESC LIMIT ${params.bind(take)}`,
      params.values,
    );
  }

  async count(casefileId: string, filters: SyncJobFilters): Promise<number> {
    const params = new SqlParams();
    const row = await this.sql.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync_jobs ${where(this.filterTerms(casefileId, filters, params))}`,
      params.values,
    );
    return row?.n ?? 0;
  }

  private filterTerms(casefileId: string, filters: SyncJobFilters, params: SqlParams): string[] {
    const terms = [`casefile_id = ${params.bind(casefileId)}`];
    if (filters.status) terms.push(`status = ${params.bind(filters.status)}`);
    if (filters.source) terms.push(`source = ${params.bind(filters.source)}`);
    return terms;
  }

  async insert(job: {
    id: string;
    casefileId: string;
    createdBy: string;
    source: SyncSource;
    params: SyncParams;
    accessToken: string;
  }): Promise<SyncJobRow> {
    const row = await this.sql.one<SyncJobRow>(
      `INSERT INTO sync_jobs (id, casefile_id, created_by, source, params, access_token)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${this.jobColumns}`,
      [job.id, job.casefileId, job.createdBy, job.source, job.params, job.accessToken],
    );
    return row as SyncJobRow;
  }

  /** The job and the user's level on its casefile (null: none, or the casefile is deleted). */
  findFor(
    id: string,
    userId: string,
  ): Promise<(SyncJobRow & { level: PermissionLevel | null }) | undefined> {
    return this.sql.one(
      `SELECT ${this.jobColumns}, ${casefileLevel.ofId('j.casefile_id', '$2')} AS level
         FROM sync_jobs j WHERE j.id = $1`,
      [id, userId],
    );
  }

  /** The job as it is now (after a write of this transaction that found nothing to change). */
  find(id: string): Promise<SyncJobRow | undefined> {
    return this.sql.one<SyncJobRow>(`SELECT ${this.jobColumns} FROM sync_jobs WHERE id = $1`, [id]);
  }

  /**
   * Cancels a job that may still run: queued or running → cancelled, its token erased. The
   * statement decides the race with the run that would end it; undefined when it had ended. A run
   * holding the job still stores its page in flight (`advance` accepts it), then stops.
   */
  cancel(id: string): Promise<SyncJobRow | undefined> {
    return this.sql.one<SyncJobRow>(
      `UPDATE sync_jobs SET seq = seq + 1, status = 'cancelled', ${FINISHED}
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING ${this.jobColumns}`,
      [id],
    );
  }

  /** Where the job stands, in one read: what its run checks before each page. */
  standing(id: string): Promise<SyncJobStanding | undefined> {
    return this.sql.one<SyncJobStanding>(
      `SELECT j.status, j.attempt, j.created_by AS "createdBy",
              EXISTS (SELECT 1 FROM casefiles c
                       WHERE c.id = j.casefile_id AND c.deleted_at IS NULL) AS "casefileLive",
              ${casefileLevel.ofId('j.casefile_id', 'j.created_by')} AS "creatorLevel",
              (SELECT ${googleConnectionUsable.ofId('s.connection_id')}
                 FROM sync_sources s WHERE s.id = j.source_id) AS "connectionActive"
         FROM sync_jobs j WHERE j.id = $1`,
      [id],
    );
  }

  /** Takes a job that may still run for a new run (attempt + 1); undefined when it has ended. */
  claim(id: string): Promise<ClaimedSyncJob | undefined> {
    return this.sql.one<ClaimedSyncJob>(
      `UPDATE sync_jobs
          SET seq = seq + 1, status = 'running', attempt = attempt + 1, started_at = coalesce(started_at, now())
        WHERE id = $1 AND status IN ('queued', 'running')
        RETURNING casefile_id AS "casefileId", source, trigger, params,
                  access_token AS "accessToken", attempt, cursor, fetched, source_id AS "sourceId",
                  (SELECT s.connection_id FROM sync_sources s WHERE s.id = source_id)
                    AS "connectionId",
                  (SELECT s.state FROM sync_sources s WHERE s.id = source_id) AS "sourceState"`,
      [id],
    );
  }

  /**
   * Adds one imported page to the progress and moves the resume point past it (`cursor` null:
   * nothing left, the job succeeded). A job cancelled since this run claimed it takes the page
   * that was in flight and stays cancelled. The job after the write (its status, what it did in
   * all); undefined when another run holds the job now.
   */
  advance(
    id: string,
    attempt: number,
    page: ImportCountsDto & { removed: number; skipped: number; fetched: number; cursor: unknown },
  ): Promise<(EndedSyncJob & { status: 'running' | 'succeeded' | 'cancelled' }) | undefined> {
    const done = page.cursor === null;
    return this.sql.one(
      `UPDATE sync_jobs
          SET seq = seq + 1, fetched = fetched + $3, created = created + $4, updated = updated + $5,
              unchanged = unchanged + $6, removed = removed + $8, skipped = skipped + $9,
              cursor = $7::jsonb,
              error = NULL
              ${done ? `, ${LAST_PAGE}` : ''}
        WHERE id = $1 AND attempt = $2 AND status IN ('running', 'cancelled')
        RETURNING status, ${this.endedColumns}`,
      [
        id,
        attempt,
        page.fetched,
        page.created,
        page.updated,
        page.unchanged,
        done ? null : JSON.stringify(page.cursor),
        page.removed,
        page.skipped,
      ],
    );
  }

  /**
   * Ends the job as failed (by the run that holds it, or by anyone when `attempt` is omitted);
   * its source, or undefined when it had ended or another run holds it.
   */
  fail(id: string, failure: SyncFailure, attempt?: number): Promise<EndedSyncJob | undefined> {
    return this.sql.one(
      `UPDATE sync_jobs SET seq = seq + 1, status = 'failed', error = $2, ${FINISHED}
        WHERE id = $1 AND status IN ('queued', 'running') AND ($3::int IS NULL OR attempt = $3)
        RETURNING ${this.endedColumns}`,
      [id, failure, attempt ?? null],
    );
  }

  /** Notes why the run failed while the queue will try again (the job stays running). */
  async noteRetry(id: string, attempt: number, failure: SyncFailure): Promise<void> {
    await this.sql.count(
      `UPDATE sync_jobs SET seq = seq + 1, error = $3 WHERE id = $1 AND attempt = $2 AND status = 'running'`,
      [id, attempt, { ...failure, retrying: true }],
    );
  }
}
