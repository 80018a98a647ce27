import { Injectable } from '@nestjs/common';
import { Sql } from '../../../database/sql';
import { levelOnCasefileSql } from '../../access/access.repository';
import type { PermissionLevel } from '../../access/permission-level';
import type { ImportCountsDto } from '../import-counts';
import type { SyncJobEntity, SyncParams, SyncSource } from './sync-job.entity';

export type SyncJobRow = Omit<SyncJobEntity, 'accessToken' | 'attempt' | 'cursor' | 'params'>;

/** A job as the run that claimed it sees it: what to pull, from where, and its fencing number. */
export interface ClaimedSyncJob {
  casefileId: string;
  source: SyncSource;
  params: SyncParams;
  accessToken: string;
  attempt: number;
  cursor: unknown;
  fetched: number;
}

export interface SyncFailure {
  code: string;
  message: string;
  upstream_status?: number;
}

const ROW = `id, casefile_id AS "casefileId", source, status, fetched, created, updated, unchanged,
  error, created_at AS "createdAt", started_at AS "startedAt", finished_at AS "finishedAt"`;

/** The end of a job: its token is erased in the same statement (API.md §7). */
const FINISHED = `access_token = NULL, finished_at = now()`;

/**
 * `sync_jobs`: every write by a run is fenced by the attempt it claimed, so a run that was given
 * up on (its worker stalled past the queue's expiry, and another run claimed the job) cannot
 * write anything — each race is decided in the statement itself.
 */
@Injectable()
export class SyncJobsRepository {
  constructor(private readonly sql: Sql) {}

  async insert(job: {
    id: string;
    casefileId: string;
    source: SyncSource;
    params: SyncParams;
    accessToken: string;
  }): Promise<SyncJobRow> {
    const row = await this.sql.one<SyncJobRow>(
      `INSERT INTO sync_jobs (id, casefile_id, source, params, access_token)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${ROW}`,
      [job.id, job.casefileId, job.source, job.params, job.accessToken],
    );
    return row as SyncJobRow;
  }

  /** The job and the user's level on its casefile (null: none, or the casefile is deleted). */
  findFor(
    id: string,
    userId: string,
  ): Promise<(SyncJobRow & { level: PermissionLevel | null }) | undefined> {
    return this.sql.one(
      `SELECT ${ROW}, ${levelOnCasefileSql('j.casefile_id', '$2')} AS level
         FROM sync_jobs j WHERE j.id = $1`,
      [id, userId],
    );
  }

  /** Takes a job that may still run for a new run (attempt + 1); undefined when it has ended. */
  claim(id: string): Promise<ClaimedSyncJob | undefined> {
    return this.sql.one<ClaimedSyncJob>(
      `UPDATE sync_jobs
          SET status = 'running', attempt = attempt + 1, started_at = coalesce(started_at, now())
        WHERE id = $1 AND status IN ('queued', 'running')
        RETURNING casefile_id AS "casefileId", source, params, access_token AS "accessToken",
                  attempt, cursor, fetched`,
      [id],
    );
  }

  /**
   * Adds one imported page to the progress and moves the resume point past it (`cursor` null:
   * nothing left, the job succeeded). False when another run holds the job now.
   */
  async advance(
    id: string,
    attempt: number,
    page: ImportCountsDto & { fetched: number; cursor: unknown },
  ): Promise<boolean> {
    const done = page.cursor === null;
    const moved = await this.sql.count(
      `UPDATE sync_jobs
          SET fetched = fetched + $3, created = created + $4, updated = updated + $5,
              unchanged = unchanged + $6, cursor = $7::jsonb, error = NULL
              ${done ? `, status = 'succeeded', ${FINISHED}` : ''}
        WHERE id = $1 AND attempt = $2 AND status = 'running'`,
      [
        id,
        attempt,
        page.fetched,
        page.created,
        page.updated,
        page.unchanged,
        done ? null : JSON.stringify(page.cursor),
      ],
    );
    return moved === 1;
  }

  /**
   * Ends the job as failed (by the run that holds it, or by anyone when `attempt` is omitted);
   * its source, or undefined when it had ended or another run holds it.
   */
  async fail(id: string, failure: SyncFailure, attempt?: number): Promise<SyncSource | undefined> {
    const row = await this.sql.one<{ source: SyncSource }>(
      `UPDATE sync_jobs SET status = 'failed', error = $2, ${FINISHED}
        WHERE id = $1 AND status IN ('queued', 'running') AND ($3::int IS NULL OR attempt = $3)
        RETURNING source`,
      [id, failure, attempt ?? null],
    );
    return row?.source;
  }

  /** Notes why the run failed while the queue will try again (the job stays running). */
  async noteRetry(id: string, attempt: number, failure: SyncFailure): Promise<void> {
    await this.sql.count(
      `UPDATE sync_jobs SET error = $3 WHERE id = $1 AND attempt = $2 AND status = 'running'`,
      [id, attempt, { ...failure, retrying: true }],
    );
  }
}
