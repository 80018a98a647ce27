import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import type { SyncSource } from './sync-job.entity';

/** What a source pulls: `query` for Gmail and Drive, a spreadsheet and its ranges for Sheets. */
export interface SyncSourceParams {
  query?: string;
  spreadsheet_id?: string;
  ranges?: string[];
}

/**
 * Where a source's next run starts (API.md §7.1): Gmail's `history_id`, Drive's changes
 * `page_token`, a spreadsheet's `modified_time`; empty until its first full run succeeded.
 */
export interface SyncSourceState {
  history_id?: string;
  page_token?: string;
  modified_time?: string;
  /** When the last run that succeeded started. */
  synced_at?: string;
}

/** Why the service paused a source (its connection was revoked); null when a user paused it. */
export interface SyncSourcePause {
  code: string;
  message: string;
}

export const MIN_INTERVAL_MINUTES = 5;
export const MAX_INTERVAL_MINUTES = 1440;

/**
 * A casefile's standing pull from Google through one of its creator's connections (API.md §7.1):
 * run every `interval_minutes` as a sync job (trigger `schedule`) or now (`manual`), each run
 * starting where the last one that succeeded ended (`state`).
 */
@Entity('sync_sources')
@Check('sync_sources_source_check', `source IN ('gmail', 'drive', 'sheets')`)
@Check('sync_sources_interval_check', `interval_minutes BETWEEN 5 AND 1440`)
@Index('sync_sources_casefile_created_idx', ['casefileId', 'createdAt', 'id'])
@Index('sync_sources_due_idx', ['nextRunAt'], { where: 'NOT paused' })
@Index('sync_sources_connection_idx', ['connectionId'])
export class SyncSourceEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey('casefiles', { name: 'sync_sources_casefile_id_fkey', onDelete: 'CASCADE' })
  casefileId!: string;

  /** Its runs act for this user, through their connection, while they stay an editor. */
  @Column('uuid')
  @ForeignKey('users', { name: 'sync_sources_created_by_fkey', onDelete: 'CASCADE' })
  createdBy!: string;

  @Column('uuid')
  @ForeignKey('google_connections', {
    name: 'sync_sources_connection_id_fkey',
    onDelete: 'CASCADE',
  })
  connectionId!: string;

  @Column('text')
  source!: SyncSource;

  @Column('jsonb')
  params!: SyncSourceParams;

  @Column('integer', { default: 60 })
  intervalMinutes!: number;

  @Column('boolean', { default: false })
  paused!: boolean;

  @Column('jsonb', { nullable: true })
  pauseReason!: SyncSourcePause | null;

  @Column('jsonb', { default: {} })
  state!: SyncSourceState;

  /** When the schedule runs it next (while not paused). */
  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  nextRunAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  updatedAt!: Date;
}
