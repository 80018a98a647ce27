import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import type { DriveFileRow } from '../drive/drive-files.repository';
import type { GmailMessageRow } from '../gmail/gmail-messages.repository';
import type { SheetRangeRow } from '../sheets/sheet-ranges.repository';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsTimestamp } from '../../../core/http/timestamps';
import { PageQuery } from '../../../core/http/pagination';

/** At most this many items per import call (API.md §7). */
export const MAX_IMPORT_ITEMS = 500;

export class StoreGmailMessagesDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IMPORT_ITEMS)
  @IsObject({ each: true })
  @ApiProperty({
    type: 'array',
    maxItems: MAX_IMPORT_ITEMS,
    items: { type: 'object', additionalProperties: true },
    description:
      'Gmail API users.messages resources: format=full (`payload`) or format=raw (`raw`), as Google sends them',
  })
  messages!: Record<string, unknown>[];
}

export class StoreDriveFilesDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IMPORT_ITEMS)
  @IsObject({ each: true })
  @ApiProperty({
    type: 'array',
    maxItems: MAX_IMPORT_ITEMS,
    items: { type: 'object', additionalProperties: true },
    description: 'Drive API v3 File resources, each with an optional `content_text`',
  })
  files!: Record<string, unknown>[];
}

export class StoreSheetDataDto {
  @IsString()
  @Length(1, 256)
  @ApiProperty()
  spreadsheet_id!: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  @ApiPropertyOptional({ description: 'Defaults to the sheet named in the range' })
  sheet_title?: string;

  @IsObject()
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'A Sheets API ValueRange; its first row is the header',
  })
  value_range!: Record<string, unknown>;
}

export class ListGmailMessagesQuery extends PageQuery {
  @IsOptional()
  @IsString()
  @MaxLength(320)
  @ApiPropertyOptional({ description: 'Part of the sender (name or address)' })
  from?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  @ApiPropertyOptional({ description: 'A Gmail label id, e.g. INBOX' })
  label?: string;

  @IsOptional()
  @IsTimestamp()
  @ApiPropertyOptional({ format: 'date-time' })
  after?: string;

  @IsOptional()
  @IsTimestamp()
  @ApiPropertyOptional({ format: 'date-time' })
  before?: string;
}

export class ListDriveFilesQuery extends PageQuery {
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @ApiPropertyOptional()
  mime_type?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  @ApiPropertyOptional({ description: 'Part of the file name' })
  name?: string;
}

export const SEARCH_TYPES = ['gmail', 'drive', 'sheet'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

export class SearchCasefileQuery {
  @IsString()
  @Length(1, 500)
  @ApiProperty({ description: 'Web-search syntax: words, "a phrase", -not, or' })
  q!: string;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.split(',').map((type) => type.trim()) : value,
  )
  @IsIn(SEARCH_TYPES, { each: true })
  @ApiPropertyOptional({ description: 'Comma-separated: gmail, drive, sheet (default all)' })
  types?: SearchType[];

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  limit?: number;
}

export class GmailMessageDto {
  @ApiProperty({ description: "Gmail's message id" }) id!: string;
  @ApiProperty({ type: String, nullable: true }) thread_id!: string | null;
  @ApiProperty() subject!: string;
  @ApiProperty() from!: string;
  @ApiProperty({ type: [String] }) to!: string[];
  @ApiProperty({ type: [String] }) cc!: string[];
  @ApiProperty({ format: 'date-time' }) date!: string;
  @ApiProperty() snippet!: string;
  @ApiProperty({ type: [String] }) labels!: string[];
}

export class DriveFileDto {
  @ApiProperty({ description: "Drive's file id" }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() mime_type!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ format: 'date-time' }) modified_time!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Bytes, as Drive gives it' })
  size!: string | null;
  @ApiProperty({ type: String, nullable: true }) web_view_link!: string | null;
  @ApiProperty({ type: [String] }) owners!: string[];
  @ApiProperty({ description: 'Whether its text was imported (and is searched)' })
  has_content!: boolean;
}

export class SheetRangeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() spreadsheet_id!: string;
  @ApiProperty() sheet_title!: string;
  @ApiProperty() range!: string;
  @ApiProperty({
    type: [String],
    description: 'The first 200 column names, each to its first 1 000 characters',
  })
  header!: string[];
  @ApiProperty() row_count!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class SearchHitDto {
  @ApiProperty({ enum: SEARCH_TYPES }) type!: SearchType;
  @ApiProperty({ description: 'Gmail or Drive id; the sheet range id' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({
    description:
      'Where it matched, as HTML that is safe to insert: the text is escaped (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`) and its only markup is `<mark>…</mark>` around the matches. Made from about the first 10 000 characters of the text; a match further in is found but not shown. Every other text field of the API is plain text.',
  })
  snippet!: string;
  @ApiProperty() rank!: number;
}

export const toGmailMessageDto = (row: GmailMessageRow): GmailMessageDto => ({
  id: row.googleId,
  thread_id: row.threadId,
  subject: row.subject,
  from: row.sender,
  to: row.recipientsTo,
  cc: row.recipientsCc,
  date: row.sentAt.toISOString(),
  snippet: row.snippet,
  labels: row.labels,
});

export const toDriveFileDto = (row: DriveFileRow): DriveFileDto => ({
  id: row.googleId,
  name: row.name,
  mime_type: row.mimeType,
  description: row.description,
  modified_time: row.modifiedAt.toISOString(),
  size: row.sizeBytes,
  web_view_link: row.webViewLink,
  owners: row.owners,
  has_content: row.hasContent,
});

export const toSheetRangeDto = (row: SheetRangeRow): SheetRangeDto => ({
  id: row.id,
  spreadsheet_id: row.spreadsheetId,
  sheet_title: row.sheetTitle,
  range: row.range,
  header: row.header,
  row_count: row.rowCount,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});
