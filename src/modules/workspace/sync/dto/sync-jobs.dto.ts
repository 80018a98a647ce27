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
  Max,
  Min,
} from 'class-validator';
import { SYNC_SOURCES, SYNC_STATUSES, type SyncSource, type SyncStatus } from '../sync-job.entity';

export const DEFAULT_MAX_ITEMS = 1_000;
export const MAX_MAX_ITEMS = 100_000;

export class CreateSyncJobDto {
  @IsIn(SYNC_SOURCES)
  @ApiProperty({ enum: SYNC_SOURCES })
  source!: SyncSource;

  @IsString()
  @Length(1, 4096)
  @ApiProperty({
    description:
      'A Google OAuth access token with read scope for the source; kept encrypted until the job ends, never shown',
  })
  access_token!: string;

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
  @Length(1, 256)
  @ApiPropertyOptional({ description: 'sheets (required there)' })
  spreadsheet_id?: string;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  @ApiPropertyOptional({
    type: [String],
    description: "sheets: A1 ranges (`'Q1'!A1:F200`); default: every sheet of the spreadsheet",
  })
  ranges?: string[];

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
  @ApiProperty({ enum: SYNC_SOURCES }) source!: SyncSource;
  @ApiProperty({ enum: SYNC_STATUSES }) status!: SyncStatus;
  @ApiProperty() progress!: SyncProgressDto;
  @ApiProperty({ type: SyncErrorDto, nullable: true }) error!: SyncErrorDto | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finished_at!: string | null;
}
