import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

export const SYNC_SOURCES = ['gmail', 'drive', 'sheets'] as const;
export type SyncSource = (typeof SYNC_SOURCES)[number];

export const SYNC_TRIGGERS = ['manual', 'schedule', 'one_shot'] as const;
export type SyncTrigger = (typeof SYNC_TRIGGERS)[number];

export const SYNC_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

/** What a sync job was asked to pull (API.md §7), without the access token. */
export interface SyncParams {
  query?: string;
  spreadsheet_id?: string;
  ranges?: string[];
  max_items: number;
}

/**
 * A pull from Google into a casefile (API.md §7). pg-boss queues and retries it; this row is the
 * job as clients see it, its resume point and the fencing number of the run allowed to write.
 */
@Entity('sync_jobs')
@Check('sync_jobs_source_check', `source IN ('gmail', 'drive', 'sheets')`)
@Check(
  'sync_jobs_status_check',
  `status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')`,
)
@Check('sync_jobs_token_check', `status IN ('queued', 'running') OR access_token IS NULL`)
@Check('sync_jobs_trigger_check', `trigger IN ('manual', 'schedule', 'one_shot')`)
@Index('sync_jobs_casefile_created_idx', ['casefileId', 'createdAt', 'id'])
@Index('sync_jobs_source_created_idx', ['sourceId', 'createdAt', 'id'])
@Index('sync_jobs_source_active_idx', ['sourceId'], {
  unique: true,
  where: `status IN ('queued', 'running')`,
})
export class SyncJobEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey('casefiles', { name: 'sync_jobs_casefile_id_fkey', onDelete: 'CASCADE' })
  casefileId!: string;

  /** Its runs act for this user while they stay an editor; null on jobs from before it was kept. */
  @Column('uuid', { nullable: true })
  @ForeignKey('users', { name: 'sync_jobs_created_by_fkey', onDelete: 'SET NULL' })
  createdBy!: string | null;

  @Column('text')
  source!: SyncSource;

  /** The sync source it runs for (manual, schedule); null for a one-shot job. */
  @Column('uuid', { nullable: true })
  @ForeignKey('sync_sources', { name: 'sync_jobs_source_id_fkey', onDelete: 'SET NULL' })
  sourceId!: string | null;

  @Column('jsonb')
  params!: SyncParams;

  /** A one-shot job's token, sealed ('google-access-tokens'); erased when the job ends. */
  @Column('text', { nullable: true })
  accessToken!: string | null;

  @Column('text', { default: 'queued' })
  status!: SyncStatus;

  /** What started it: a client's access token (one_shot), or a sync source (manual, schedule). */
  @Column('text', { default: 'one_shot' })
  trigger!: SyncTrigger;

  /** Raised by every run that claims the job; a write by an older run is refused. */
  @Column('integer', { default: 0 })
  attempt!: number;

  /** Raised by every change of the job: the id of its event stream's latest event. */
  @Column('integer', { default: 0 })
  seq!: number;

  /** Where the next page starts (a Google page token, or the next range). */
  @Column('jsonb', { nullable: true })
  cursor!: unknown;

  @Column('integer', { default: 0 })
  fetched!: number;

  @Column('integer', { default: 0 })
  created!: number;

  @Column('integer', { default: 0 })
  updated!: number;

  @Column('integer', { default: 0 })
  unchanged!: number;

  /** Items it found removed at the source and took out of the casefile. */
  @Column('integer', { default: 0 })
  removed!: number;

  /** Items Google sent that the import refuses (malformed, hostile): left out, the rest stored. */
  @Column('integer', { default: 0 })
  skipped!: number;

  @Column('jsonb', { nullable: true })
  error!: { code: string; message: string; upstream_status?: number } | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  startedAt!: Date | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  finishedAt!: Date | null;
}
