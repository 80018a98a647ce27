import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { SYNC_SOURCES, SYNC_STATUSES, SYNC_TRIGGERS, type SyncSource } from '../sync-job.entity';
import { MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES } from '../sync-source.entity';
import { PullParamsDto } from './sync-jobs.dto';
import type { SyncSourceRow } from '../sync-sources.repository';

export const DEFAULT_INTERVAL_MINUTES = 60;

export class CreateSyncSourceDto extends PullParamsDto {
  @IsUUID()
  @ApiProperty({ format: 'uuid', description: "One of the caller's active Google connections" })
  connection_id!: string;

  @IsOptional()
  @IsInt()
  @Min(MIN_INTERVAL_MINUTES)
  @Max(MAX_INTERVAL_MINUTES)
  @ApiPropertyOptional({
    minimum: MIN_INTERVAL_MINUTES,
    maximum: MAX_INTERVAL_MINUTES,
    default: DEFAULT_INTERVAL_MINUTES,
    description: 'Minutes between scheduled runs',
  })
  interval_minutes?: number;
}

export class UpdateSyncSourceDto {
  @IsOptional()
  @IsBoolean()
  @ApiPropertyOptional({
    description: 'true stops scheduled runs; false resumes them (and clears a pause reason)',
  })
  paused?: boolean;

  @IsOptional()
  @IsInt()
  @Min(MIN_INTERVAL_MINUTES)
  @Max(MAX_INTERVAL_MINUTES)
  @ApiPropertyOptional({ minimum: MIN_INTERVAL_MINUTES, maximum: MAX_INTERVAL_MINUTES })
  interval_minutes?: number;

  @IsOptional()
  @IsString()
  @Length(1, 2048)
  @ApiPropertyOptional({
    description:
      "gmail, drive: Gmail's search or Drive's `q`; a new query makes the next run a full sync",
  })
  query?: string;
}

export class SyncSourceStateDto {
  @ApiPropertyOptional({ description: 'gmail: the mailbox history id the next run starts from' })
  history_id?: string;
  @ApiPropertyOptional({ description: 'drive: the changes page token the next run starts from' })
  page_token?: string;
  @ApiPropertyOptional({
    format: 'date-time',
    description: "sheets: the spreadsheet's modifiedTime when it was last read",
  })
  modified_time?: string;
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'When the last run that succeeded started',
  })
  synced_at?: string;
}

export class SyncSourceLastRunDto {
  @ApiProperty({ format: 'uuid', description: 'The sync job' }) id!: string;
  @ApiProperty({ enum: SYNC_STATUSES }) status!: string;
  @ApiProperty({ enum: SYNC_TRIGGERS }) trigger!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finished_at!: string | null;
}

export class SyncSourceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) casefile_id!: string;
  @ApiProperty({ format: 'uuid', description: 'Its runs act for this user' }) created_by!: string;
  @ApiProperty({ format: 'uuid' }) connection_id!: string;
  @ApiProperty({ enum: SYNC_SOURCES }) source!: SyncSource;
  @ApiPropertyOptional() query?: string;
  @ApiPropertyOptional() spreadsheet_id?: string;
  @ApiPropertyOptional({ type: [String] }) ranges?: string[];
  @ApiProperty() interval_minutes!: number;
  @ApiProperty() paused!: boolean;
  @ApiProperty({
    type: 'object',
    nullable: true,
    required: ['code', 'message'],
    properties: { code: { type: 'string' }, message: { type: 'string' } },
    description:
      'Why the service paused it (its connection was revoked, its creator lost the casefile); null when running on schedule or paused by a user',
  })
  pause_reason!: { code: string; message: string } | null;
  @ApiProperty({ description: 'Where the next run starts; empty before the first full sync' })
  state!: SyncSourceStateDto;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The next scheduled run; null while paused',
  })
  next_run_at!: string | null;
  // inline for the same reason as SyncJobDto.error (a nullable $ref admits no null in 3.0)
  @ApiProperty({
    type: 'object',
    nullable: true,
    required: ['id', 'status', 'trigger', 'created_at', 'finished_at'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      status: { type: 'string', enum: [...SYNC_STATUSES] },
      trigger: { type: 'string', enum: [...SYNC_TRIGGERS] },
      created_at: { type: 'string', format: 'date-time' },
      finished_at: { type: 'string', format: 'date-time', nullable: true },
    },
    description: 'Its latest job; null before the first',
  })
  last_run!: SyncSourceLastRunDto | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

const iso = (value: string | Date) => new Date(value).toISOString();

export const toSyncSourceDto = (row: SyncSourceRow): SyncSourceDto => ({
  id: row.id,
  casefile_id: row.casefileId,
  created_by: row.createdBy,
  connection_id: row.connectionId,
  source: row.source,
  ...row.params,
  interval_minutes: row.intervalMinutes,
  paused: row.paused,
  pause_reason: row.pauseReason,
  state: row.state,
  next_run_at: row.nextRunAt ? iso(row.nextRunAt) : null,
  last_run: row.lastRun && {
    ...row.lastRun,
    created_at: iso(row.lastRun.created_at),
    finished_at: row.lastRun.finished_at === null ? null : iso(row.lastRun.finished_at),
  },
  created_at: iso(row.createdAt),
  updated_at: iso(row.updatedAt),
});
