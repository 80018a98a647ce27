import { Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import { escapeLike, Sql, SqlParams, where } from '../../../platform/database/sql';
import { batchUpsertSql, type ImportCountsDto, importCountsOf } from '../import-counts';
import {
  type CursorPosition,
  keysetAfter,
  type KeysetRow,
} from '../../../platform/database/keyset';

/** A Drive file as an import stores it. */
export interface ParsedDriveFile {
  googleId: string;
  name: string;
  mimeType: string;
  description: string;
  modifiedAt: Date;
  sizeBytes: string | null;
  webViewLink: string | null;
  owners: string[];
  contentText: string;
}

export interface DriveFileRow extends KeysetRow, Omit<ParsedDriveFile, 'contentText'> {
  hasContent: boolean;
}

export interface DriveFilters {
  mimeType?: string;
  name?: string;
  modifiedAfter?: string;
}

const COLUMNS = [
  'name',
  'mime_type',
  'description',
  'modified_at',
  'size_bytes',
  'web_view_link',
  'owners',
  'content_text',
] as const;

const ROW = `f.id, f.google_id AS "googleId", f.name, f.mime_type AS "mimeType", f.description,
  f.modified_at AS "modifiedAt", f.size_bytes::text AS "sizeBytes", f.web_view_link AS "webViewLink",
  f.owners, f.content_text <> '' AS "hasContent"`;

@Injectable()
export class DriveFilesRepository {
  constructor(private readonly sql: Sql) {}

  /** One statement for the batch: insert, or update where something changed. */
  async upsert(casefileId: string, files: readonly ParsedDriveFile[]): Promise<ImportCountsDto> {
    const items = files.map((f) => ({
      id: uuidv7(),
      google_id: f.googleId,
      name: f.name,
      mime_type: f.mimeType,
      description: f.description,
      modified_at: f.modifiedAt.toISOString(),
      size_bytes: f.sizeBytes,
      web_view_link: f.webViewLink,
      owners: f.owners,
      content_text: f.contentText,
    }));
    const written = await this.sql.rows<{ created: boolean }>(
      batchUpsertSql(
        'drive_files',
        COLUMNS,
        'name text, mime_type text, description text, modified_at timestamptz, size_bytes bigint, web_view_link text, owners text[], content_text text',
      ),
      [casefileId, JSON.stringify(items)],
    );
    return importCountsOf(files.length, written);
  }

  /** A page of the casefile's files, most recently modified first. */
  list(
    casefileId: string,
    filters: DriveFilters,
    take: number,
    after: CursorPosition | undefined,
  ): Promise<DriveFileRow[]> {
    const params = new SqlParams();
    const terms = [
      ...this.conditions(casefileId, filters, params),
      ...keysetAfter({ key: 'f.modified_at', id: 'f.id' }, after, 'desc', params),
    ];
    return this.sql.rows(
      `SELECT ${ROW}, f.modified_at::text AS "cursorKey" FROM drive_files f ${where(terms)}
        ORDER BY f.modified_at DESC, f.id DESC LIMIT ${params.bind(take)}`,
      params.values,
    );
  }

  async count(casefileId: string, filters: DriveFilters): Promise<number> {
    const params = new SqlParams();
    const row = await this.sql.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM drive_files f
        ${where(this.conditions(casefileId, filters, params))}`,
      params.values,
    );
    return row?.n ?? 0;
  }

  private conditions(casefileId: string, filters: DriveFilters, params: SqlParams): string[] {
    const terms = [`f.casefile_id = ${params.bind(casefileId)}`];
    if (filters.mimeType) terms.push(`f.mime_type = ${params.bind(filters.mimeType)}`);
    if (filters.name) terms.push(`f.name ILIKE ${params.bind(`%${escapeLike(filters.name)}%`)}`);
    if (filters.modifiedAfter) {
      terms.push(`f.modified_at > ${params.bind(filters.modifiedAfter)}::timestamptz`);
    }
    return terms;
  }
}
