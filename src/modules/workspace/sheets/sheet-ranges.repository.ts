import { Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import { Sql, SqlParams, where } from '../../../platform/database/sql';
import { type ImportCountsDto, importCountsOf } from '../import-counts';
import { SheetRangeEntity } from './sheet-range.entity';
import {
  type CursorPosition,
  keysetAfter,
  type KeysetRow,
} from '../../../platform/database/keyset';

export type Cell = string | number | boolean;

/** A range as an import stores it: the header row, then the rows. */
export interface ParsedSheetRange extends Pick<
  SheetRangeEntity,
  'spreadsheetId' | 'sheetTitle' | 'range' | 'header'
> {
  rows: Cell[][];
}

export interface SheetRangeRow
  extends
    KeysetRow,
    Pick<
      SheetRangeEntity,
      'spreadsheetId' | 'sheetTitle' | 'range' | 'header' | 'rowCount' | 'createdAt' | 'updatedAt'
    > {}

/** A list shows a header's first columns, each's start: a header row may be megabytes. */
export const LISTED_COLUMNS = 200;
export const LISTED_COLUMN_CHARS = 1000;

/** A range's header as a list shows it: its first columns' names, each cut short. */
const LISTED_HEADER = `(SELECT coalesce(jsonb_agg(left(h.name, ${LISTED_COLUMN_CHARS}) ORDER BY h.n), '[]'::jsonb)
     FROM jsonb_array_elements_text(s.header) WITH ORDINALITY AS h(name, n)
    WHERE h.n <= ${LISTED_COLUMNS}) AS header`;

@Injectable()
export class SheetRangesRepository {
  /** The SELECT list of a row (names from the entity). */
  private readonly rowColumns: string;

  constructor(private readonly sql: Sql) {
    const columns = sql
      .columnsOf(SheetRangeEntity)
      .select('s', [
        'id',
        'spreadsheetId',
        'sheetTitle',
        'range',
        'rowCount',
        'createdAt',
        'updatedAt',
      ]);
    this.rowColumns = `${columns}, ${LISTED_HEADER}`;
  }

  /** Insert, or replace where something changed, on (spreadsheet, range). */
  async upsert(casefileId: string, range: ParsedSheetRange): Promise<ImportCountsDto> {
    const written = await this.sql.rows<{ created: boolean }>(
      `INSERT INTO sheet_ranges AS t
         (id, casefile_id, spreadsheet_id, sheet_title, range, header, rows, row_count)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8)
       ON CONFLICT (casefile_id, spreadsheet_id, range) DO UPDATE
          SET sheet_title = EXCLUDED.sheet_title, header = EXCLUDED.header, rows = EXCLUDED.rows,
              row_count = EXCLUDED.row_count, updated_at = now(), removed_at = NULL,
              removed_by_job = NULL
        WHERE (t.sheet_title, t.header, t.rows)
              IS DISTINCT FROM (EXCLUDED.sheet_title, EXCLUDED.header, EXCLUDED.rows)
           OR t.removed_at IS NOT NULL
       RETURNING (xmax = 0) AS created`,
      [
        uuidv7(),
        casefileId,
        range.spreadsheetId,
        range.sheetTitle,
        range.range,
        JSON.stringify(range.header),
        JSON.stringify(range.rows),
        range.rows.length,
      ],
    );
    return importCountsOf(1, written);
  }

  /** A page of the casefile's ranges, newest first. */
  list(
    casefileId: string,
    take: number,
    after: CursorPosition | undefined,
  ): Promise<SheetRangeRow[]> {
    const params = new SqlParams();
    const terms = [
      `s.casefile_id = ${params.bind(casefileId)}`,
      's.removed_at IS NULL',
      ...keysetAfter({ key: 's.created_at', id: 's.id' }, after, 'desc', params),
    ];
    return this.sql.rows(
      `SELECT ${this.rowColumns}, s.created_at::text AS "cursorKey" FROM sheet_ranges s ${where(terms)}
        ORDER BY s.created_at DESC, s.id DESC LIMIT ${params.bind(take)}`,
      params.values,
    );
  }

  async count(casefileId: string): Promise<number> {
    const row = await this.sql.one<{ n: number }>(
      'SELECT count(*)::int AS n FROM sheet_ranges s WHERE s.casefile_id = $1 AND s.removed_at IS NULL',
      [casefileId],
    );
    return row?.n ?? 0;
  }

  /**
   * How large the ranges `values()` would read are, as JSON text (measured by PostgreSQL, so the
   * aggregate tool can refuse before anything is read into this process).
   */
  async valuesBytes(
    casefileId: string,
    spreadsheetId: string,
    range: string | undefined,
  ): Promise<number> {
    const row = await this.sql.one<{ bytes: string }>(
      `SELECT coalesce(sum(octet_length(s.header::text) + octet_length(s.rows::text)), 0) AS bytes
         FROM sheet_ranges s
        WHERE s.casefile_id = $1 AND s.removed_at IS NULL AND s.spreadsheet_id = $2
          AND ($3::text IS NULL OR s.range = $3)`,
      [casefileId, spreadsheetId, range ?? null],
    );
    return Number(row?.bytes ?? 0);
  }

  /**
   * The ranges of a spreadsheet in the casefile (one when `range` names it): header and rows,
   * for the aggregate tool.
   */
  values(
    casefileId: string,
    spreadsheetId: string,
    range: string | undefined,
  ): Promise<{ range: string; header: string[]; rows: Cell[][] }[]> {
    return this.sql.rows(
      `SELECT s.range, s.header, s.rows FROM sheet_ranges s
        WHERE s.casefile_id = $1 AND s.removed_at IS NULL AND s.spreadsheet_id = $2
          AND ($3::text IS NULL OR s.range = $3)
        ORDER BY s.created_at, s.id`,
      [casefileId, spreadsheetId, range ?? null],
    );
  }
}
