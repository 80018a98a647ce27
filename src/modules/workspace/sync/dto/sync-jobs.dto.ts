import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { SPREADSHEET_ID } from '../google-ids';
import { PageQuery } from '../../../../core/http/pagination';
import {
  SYNC_SOURCES,
  SYNC_STATUSES,
  SYNC_TRIGGERS,
  type SyncSource,
  type SyncStatus,
  type SyncTrigger,
} from '../sync-job.entity';

export const DEFAULT_MAX_ITEMS = 1_000;
export const MAX_MAX_ITEMS = 100_000;

/** What a pull takes, a one-shot job's or a sync source's: the source and what of it. */
export class PullParamsDto {
  @IsIn(SYNC_SOURCES)
  @ApiProperty({ enum: SYNC_SOURCES })
  source!: SyncSource;

  @IsOptional()
  @IsString()
  @Length(1, 2048)
  @ApiPropertyOptional({
    description:
      "gmail, drive: Gmail's search (`from:… after:2026/01/01`) or Drive's `q` (`mimeType = '…'`)",
  })
  query?: string;

  @IsOptional()
  @IsString()
  @Matches(SPREADSHEET_ID, {
    message: 'spreadsheet_id must be a Google spreadsheet id (letters, digits, "-" and "_")',
  })
  @ApiPropertyOptional({
    pattern: SPREADSHEET_ID.source,
    description: "sheets (required there): the id in the spreadsheet's URL",
  })
  spreadsheet_id?: string;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  @ApiPropertyOptional({
    type: [String],
    description:
      "sheets: A1 notation — `Sheet1!A1:B2`, `'Q1 costs'!A:A` (`''` for a quote), `1:2`, a " +
      'sheet name or a named range; a name of other than letters, digits, `_`, `.`, `-` and ' +
      'inner spaces is quoted. Default: every sheet of the spreadsheet',
  })
  ranges?: string[];
}

export class CreateSyncJobDto extends PullParamsDto {
  @IsString()
  @Length(1, 4096)
  @ApiProperty({
    description:
      'A Google OAuth access token with read scope for the source; kept encrypted until the job ends, never shown',
  })
  access_token!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_MAX_ITEMS)
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_MAX_ITEMS,
    default: DEFAULT_MAX_ITEMS,
    description: 'At most this many messages, files or ranges',
  })
  max_items?: number;
}

export class SyncProgressDto {
  @ApiProperty({ description: 'Items read from Google' }) fetched!: number;
  @ApiProperty() created!: number;
  @ApiProperty() updated!: number;
  @ApiProperty() unchanged!: number;
  @ApiProperty({ description: 'Items removed at the source, taken out of the casefile' })
  removed!: number;
  @ApiProperty({
    description: 'Items Google sent that the import refuses (malformed, hostile): left out',
  })
  skipped!: number;
}

export class SyncErrorDto {
  @ApiProperty({ example: 'SYS_UPSTREAM_ERROR' }) code!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ description: "Google's HTTP status, when Google answered" })
  upstream_status?: number;
  @ApiPropertyOptional({ description: 'The job is still running: the queue will try again' })
  retrying?: boolean;
}

export class SyncJobDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) casefile_id!: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Who queued it: its runs stop when they are no longer an editor of the casefile',
  })
  created_by!: string | null;
  @ApiProperty({ enum: SYNC_SOURCES }) source!: SyncSource;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The sync source it runs for; null for a one-shot job',
  })
  source_id!: string | null;
  @ApiProperty({ enum: SYNC_STATUSES }) status!: SyncStatus;
  @ApiProperty({
    enum: SYNC_TRIGGERS,
    description:
      'What started it: `one_shot` — a client with an access token; `manual` or `schedule` — a sync source',
  })
  trigger!: SyncTrigger;
  @ApiProperty() progress!: SyncProgressDto;
  // inline, not `type: SyncErrorDto`: OpenAPI 3.0 lets `nullable` admit null only to the schema
  // that carries it, and the `allOf: [$ref]` that `type` makes refuses it
  @ApiProperty({
    type: 'object',
    nullable: true,
    required: ['code', 'message'],
    properties: {
      code: { type: 'string', example: 'SYS_UPSTREAM_ERROR' },
      message: { type: 'string' },
      upstream_status: {
        type: 'integer',
        description: "Google's HTTP status, when Google answered",
      },
      retrying: {
        type: 'boolean',
        description: 'The job is still running: the queue will try again',
      },
    },
    description: 'Why it failed (or is retrying); null while all is well',
  })
  error!: SyncErrorDto | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finished_at!: string | null;
}

export class ListSyncJobsQuery extends PageQuery {
  @IsOptional()
  @IsIn(SYNC_STATUSES)
  @ApiPropertyOptional({ enum: SYNC_STATUSES })
  status?: SyncStatus;

  @IsOptional()
  @IsIn(SYNC_SOURCES)
  @ApiPropertyOptional({ enum: SYNC_SOURCES })
  source?: SyncSource;
}

export class FollowSyncJobQuery {
  @IsOptional()
  @IsString()
  @ApiPropertyOptional({
    description: 'The last event id seen, when a Last-Event-ID header cannot be sent',
  })
  last_event_id?: string;
}
