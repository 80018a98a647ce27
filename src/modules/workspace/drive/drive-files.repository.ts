import { Injectable } from '@nestjs/common';
import type { EntityColumns } from '../../../platform/database/entity-columns';
import { escapeLike, Sql, SqlParams, where } from '../../../platform/database/sql';
import {
  batchUpsertItems,
  batchUpsertSql,
  type ImportCountsDto,
  importCountsOf,
} from '../import-counts';
import { DriveFileEntity } from './drive-file.entity';
import {
  type CursorPosition,
  keysetAfter,
  type KeysetRow,
} from '../../../platform/database/keyset';

/** The columns an import writes; an upsert changes a row only when one of them differs. */
const COLUMNS = [
  'name',
  'mimeType',
  'description',
  'modifiedAt',
  'sizeBytes',
  'webViewLink',
  'owners',
  'contentText',
] as const satisfies readonly (keyof DriveFileEntity)[];

/**
 * A Drive file as an import stores it; `contentText` null (a sync that did not download the text
 * again: the file did not change) keeps the text the casefile holds.
 */
export type ParsedDriveFile = Omit<
  Pick<DriveFileEntity, 'googleId' | (typeof COLUMNS)[number]>,
  'contentText'
> & { contentText: string | null };

export interface DriveFileRow extends KeysetRow, Omit<ParsedDriveFile, 'contentText'> {
  hasContent: boolean;
}

export interface HeldFile {
  modifiedAt: Date;
  hasText: boolean;
}

export interface DriveFilters {
  mimeType?: string;
  name?: string;
  modifiedAfter?: string;
  /** Words its name, description or text holds (web-search syntax, over the search index). */
  text?: string;
}

@Injectable()
export class DriveFilesRepository {
  private readonly table: EntityColumns<DriveFileEntity>;
  private readonly upsertSql: string;

  /** The SELECT list of a row (names from the entity). */
  private readonly rowColumns: string;

  constructor(private readonly sql: Sql) {
    this.table = sql.columnsOf(DriveFileEntity);
    this.upsertSql = batchUpsertSql(this.table, COLUMNS, { keptWhenNull: ['contentText'] });
    const columns = this.table.select('f', [
      'id',
      'googleId',
      'name',
      'mimeType',
      'description',
      'modifiedAt',
      'webViewLink',
      'owners',
    ]);
    // the size as text (a bigint may pass 2^53); whether text was kept, not the text
    this.rowColumns = `${columns}, f.size_bytes::text AS "sizeBytes", f.content_text <> '' AS "hasContent"`;
  }

  /** One statement for the batch: insert, or update where something changed. */
  async upsert(casefileId: string, files: readonly ParsedDriveFile[]): Promise<ImportCountsDto> {
    const written = await this.sql.rows<{ created: boolean }>(this.upsertSql, [
      casefileId,
      batchUpsertItems(this.table, COLUMNS, files),
    ]);
    return importCountsOf(files.length, written);
  }

  /**
   * Soft-deletes the casefile's files among `googleIds` (removed or trashed at the source, found
   * so by sync job `jobId`): how many it took out.
   */
  remove(casefileId: string, googleIds: readonly string[], jobId: string): Promise<number> {
    return this.sql.count(
      `UPDATE drive_files SET removed_at = now(), removed_by_job = $3
        WHERE casefile_id = $1 AND google_id = ANY($2::text[]) AND removed_at IS NULL`,
      [casefileId, googleIds, jobId],
    );
  }

  /**
   * Of `googleIds`, those the casefile holds (not removed): when each was last modified, and
   * whether it has text.
   */
  async held(casefileId: string, googleIds: readonly string[]): Promise<Map<string, HeldFile>> {
    const rows = await this.sql.rows<HeldFile & { googleId: string }>(
      `SELECT f.google_id AS "googleId", f.modified_at AS "modifiedAt",
              f.content_text <> '' AS "hasText"
         FROM drive_files f
        WHERE f.casefile_id = $1 AND f.google_id = ANY($2::text[]) AND f.removed_at IS NULL`,
      [casefileId, googleIds],
    );
    return new Map(rows.map(({ googleId, ...held }) => [googleId, held]));
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
      `SELECT ${this.rowColumns}, f.modified_at::text AS "cursorKey" FROM drive_files f ${where(terms)}
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
    const terms = [`f.casefile_id = ${params.bind(casefileId)}`, 'f.removed_at IS NULL'];
    if (filters.mimeType) terms.push(`f.mime_type = ${params.bind(filters.mimeType)}`);
    if (filters.name) terms.push(`f.name ILIKE ${params.bind(`%${escapeLike(filters.name)}%`)}`);
    if (filters.modifiedAfter) {
      terms.push(`f.modified_at > ${params.bind(filters.modifiedAfter)}::timestamptz`);
    }
    if (filters.text) {
      terms.push(`f.search @@ websearch_to_tsquery('english', ${params.bind(filters.text)})`);
    }
    return terms;
  }
}
