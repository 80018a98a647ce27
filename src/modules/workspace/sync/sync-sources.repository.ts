import { Injectable } from '@nestjs/common';
import { type CursorPosition, keysetAfter } from '../../../platform/database/keyset';
import { Sql, SqlParams } from '../../../platform/database/sql';
import type { SyncSource, SyncStatus, SyncTrigger } from './sync-job.entity';
import {
  SyncSourceEntity,
  type SyncSourceParams,
  type SyncSourcePause,
  type SyncSourceState,
} from './sync-source.entity';
import { casefileLevel, type PermissionLevel } from '../../access';

/** The source's latest job, as its list shows it. */
export interface SyncSourceLastRun {
  id: string;
  status: SyncStatus;
  trigger: SyncTrigger;
  created_at: string;
  finished_at: string | null;
}

export type SyncSourceRow = Omit<SyncSourceEntity, 'nextRunAt'> & {
  nextRunAt: Date | null;
  lastRun: SyncSourceLastRun | null;
};

export interface SyncSourceChanges {
  paused?: boolean;
  intervalMinutes?: number;
  query?: string;
}

/** A run a user's change ended. */
export interface CancelledRun {
  id: string;
  source: SyncSource;
  trigger: SyncTrigger;
}

/** A job a source started: what the sync queue takes. */
export interface StartedRun {
  jobId: string;
  sourceId: string;
}

/**
 * `sync_sources`. Which run a source starts is decided in SQL: one queued or running job per
 * source (a unique index), and a due source is taken by one instance (SKIP LOCKED) that moves its
 * next run in the same statement.
 */
@Injectable()
export class SyncSourcesRepository {
  /** The SELECT list of a row on alias `s` (names from the entity), its next run and last job. */
  private readonly rowColumns: string;

  constructor(private readonly sql: Sql) {
    const columns = sql.columnsOf(SyncSourceEntity).select('s', { omit: ['nextRunAt'] });
    this.rowColumns = `${columns},
      CASE WHEN s.paused THEN NULL ELSE s.next_run_at END AS "nextRunAt",
      (SELECT json_build_object('id', j.id, 'status', j.status, 'trigger', j.trigger,
                'created_at', j.created_at, 'finished_at', j.finished_at)
         FROM sync_jobs j WHERE j.source_id = s.id
        ORDER BY j.created_at DESC, j.id DESC LIMIT 1) AS "lastRun"`;
  }

  async insert(row: {
    id: string;
    casefileId: string;
    createdBy: string;
    connectionId: string;
    source: SyncSource;
    params: SyncSourceParams;
    intervalMinutes: number;
  }): Promise<SyncSourceRow> {
    const inserted = await this.sql.one<SyncSourceRow>(
      `WITH s AS (
         INSERT INTO sync_sources (id, casefile_id, created_by, connection_id, source, params,
                                   interval_minutes, next_run_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(mins => $7)) RETURNING *)
       SELECT ${this.rowColumns} FROM s`,
      [
        row.id,
        row.casefileId,
        row.createdBy,
        row.connectionId,
        row.source,
        row.params,
        row.intervalMinutes,
      ],
    );
    return inserted!;
  }

  /** A page of the casefile's sources, oldest first. */
  list(
    casefileId: string,
    take: number,
    after: CursorPosition | undefined,
  ): Promise<(SyncSourceRow & { cursorKey: string })[]> {
    const params = new SqlParams();
    const terms = [
      `s.casefile_id = ${params.bind(casefileId)}`,
      ...keysetAfter({ key: 's.created_at', id: 's.id' }, after, 'asc', params),
    ];
    return this.sql.rows(
      `SELECT ${this.rowColumns}, s.created_at::text AS "cursorKey" FROM sync_sources s
        WHERE ${terms.join(' AND ')}
        ORDER BY s.created_at, s.id LIMIT ${params.bind(take)}`,
      params.values,
    );
  }

  async count(casefileId: string): Promise<number> {
    const row = await this.sql.one<{ n: number }>(
      'SELECT count(*)::int AS n FROM sync_sources WHERE casefile_id = $1',
      [casefileId],
    );
    return row?.n ?? 0;
  }

  find(id: string): Promise<SyncSourceRow | undefined> {
    return this.sql.one(`SELECT ${this.rowColumns} FROM sync_sources s WHERE s.id = $1`, [id]);
  }

  /** The source and the user's level on its casefile (null: none, or the casefile is deleted). */
  findFor(
    id: string,
    userId: string,
  ): Promise<(SyncSourceRow & { level: PermissionLevel | null }) | undefined> {
    return this.sql.one(
      `SELECT ${this.rowColumns}, ${casefileLevel.ofId('s.casefile_id', '$2')} AS level
         FROM sync_sources s WHERE s.id = $1`,
      [id, userId],
    );
  }

  /**
   * Applies a user's changes. Resuming clears the service's reason for a pause; a new query
   * starts the next run over (a full sync); a new interval counts from now when that is sooner.
   */
  async update(id: string, changes: SyncSourceChanges): Promise<SyncSourceRow | undefined> {
    return this.sql.one(
      `WITH s AS (
         UPDATE sync_sources s SET
           paused = coalesce($2, s.paused),
           pause_reason = CASE WHEN $2 = false THEN NULL ELSE s.pause_reason END,
           interval_minutes = coalesce($3, s.interval_minutes),
           next_run_at = CASE WHEN $3::int IS NULL THEN s.next_run_at
                              ELSE least(s.next_run_at, now() + make_interval(mins => $3::int)) END,
           params = CASE WHEN $4::text IS NULL THEN s.params
                         ELSE s.params || jsonb_build_object('query', $4::text) END,
           state = CASE WHEN $4::text IS NULL OR $4::text IS NOT DISTINCT FROM s.params->>'query'
                        THEN s.state ELSE '{}' END,
           updated_at = now()
         WHERE s.id = $1 RETURNING s.*)
       SELECT ${this.rowColumns} FROM s`,
      [id, changes.paused ?? null, changes.intervalMinutes ?? null, changes.query ?? null],
    );
  }

  /** Cancels the source's queued or running job; the job, if there was one. */
  cancelActiveJob(id: string): Promise<CancelledRun | undefined> {
    return this.sql.one<CancelledRun>(
      `UPDATE sync_jobs SET seq = seq + 1, status = 'cancelled', finished_at = coalesce(finished_at, now())
        WHERE source_id = $1 AND status IN ('queued', 'running')
        RETURNING id, source, trigger`,
      [id],
    );
  }

  /**
   * Deletes the source, its queued or running job cancelled first (returned). The source's row
   * is locked before anything else, so a scheduler or a "run now" holding it goes first and its
   * job is the one cancelled, and none can start another in between.
   */
  async delete(id: string): Promise<CancelledRun | undefined> {
    await this.sql.one('SELECT id FROM sync_sources WHERE id = $1 FOR UPDATE', [id]);
    const cancelled = await this.cancelActiveJob(id);
    await this.sql.count('DELETE FROM sync_sources WHERE id = $1', [id]);
    return cancelled;
  }

  /**
   * A job for the source now, unless one is queued or running already (then undefined). The job
   * acts for the source's creator and pulls what the source names, at most `maxItems` items.
   */
  async startRun(
    sourceId: string,
    jobId: string,
    trigger: SyncTrigger,
    maxItems: number,
  ): Promise<StartedRun | undefined> {
    return this.sql.one<StartedRun>(
      `INSERT INTO sync_jobs (id, casefile_id, created_by, source, params, trigger, source_id)
       SELECT $2, s.casefile_id, s.created_by, s.source,
              s.params || jsonb_build_object('max_items', $4::int), $3, s.id
         FROM sync_sources s WHERE s.id = $1 FOR KEY SHARE
       ON CONFLICT (source_id) WHERE status IN ('queued', 'running') DO NOTHING
       RETURNING id AS "jobId", source_id AS "sourceId"`,
      [sourceId, jobId, trigger, maxItems],
    );
  }

  /** The source's queued or running job, if any. */
  async activeJob(sourceId: string): Promise<string | undefined> {
    const row = await this.sql.one<{ id: string }>(
      `SELECT id FROM sync_jobs WHERE source_id = $1 AND status IN ('queued', 'running')`,
      [sourceId],
    );
    return row?.id;
  }

  /**
   * Takes up to `limit` sources whose run is due, for this instance alone, and moves each one's
   * next run an interval ahead: once per interval whichever instances look.
   */
  takeDue(limit: number): Promise<{ id: string }[]> {
    return this.sql.rows(
      `UPDATE sync_sources s
          SET next_run_at = now() + make_interval(mins => s.interval_minutes)
        WHERE s.id IN (SELECT d.id FROM sync_sources d
                        WHERE NOT d.paused AND d.next_run_at <= now()
                        ORDER BY d.next_run_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING s.id`,
      [limit],
    );
  }

  /**
   * Where the source's next run starts, after its job `jobId` stored its last page: `state`, and
   * when that job started (`synced_at`).
   */
  async keepState(id: string, state: SyncSourceState, jobId: string): Promise<void> {
    await this.sql.count(
      `UPDATE sync_sources
          SET state = $2::jsonb || jsonb_build_object('synced_at',
                (SELECT to_char(j.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                   FROM sync_jobs j WHERE j.id = $3)),
              updated_at = now()
        WHERE id = $1`,
      [id, state, jobId],
    );
  }

  /** Pauses the source for a reason its user must act on (its connection was revoked, …). */
  async pause(id: string, reason: SyncSourcePause): Promise<void> {
    await this.sql.count(
      `UPDATE sync_sources SET paused = true, pause_reason = $2, updated_at = now()
        WHERE id = $1`,
      [id, reason],
    );
  }
}
