import { Injectable } from '@nestjs/common';
import { Sql } from '../../../database/sql';
import type { SearchHitDto, SearchType } from '../dto/workspace.dto';

/** ts_headline's options: the matches marked, two fragments of up to 30 words. */
const HEADLINE =
  'StartSel=<mark>, StopSel=</mark>, MaxWords=30, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "';

/** A sheet range's cells as text, for its snippet. */
const SHEET_TEXT = `s.sheet_title || ' ' || coalesce((SELECT string_agg(h, ' ')
    FROM jsonb_array_elements_text(s.header) h), '') || ' ' || coalesce((SELECT string_agg(c, ' ')
    FROM jsonb_array_elements(s.rows) r, jsonb_array_elements_text(r) c), '')`;

/**
 * Full-text search over a casefile's workspace data (API.md §7): the generated `search` columns
 * matched with `websearch_to_tsquery` through GIN indexes on (casefile_id, search), ranked with
 * `ts_rank` (weights and frequency; cover density cost half as much again on a common word) on
 * the index column alone; only the best `limit` hits are read whole and get a `ts_headline`
 * snippet (a common word matches thousands of rows). A query of operators or punctuation only
 * has no lexemes: it matches nothing.
 */
@Injectable()
export class WorkspaceSearchRepository {
  constructor(private readonly sql: Sql) {}

  search(
    casefileId: string,
    query: string,
    types: readonly SearchType[],
    limit: number,
  ): Promise<SearchHitDto[]> {
    return this.sql.rows<SearchHitDto>(
      `WITH q AS (SELECT websearch_to_tsquery('english', $2) AS query),
       hits AS (
         SELECT 'gmail' AS type, m.id AS row_id, m.google_id AS id,
                ts_rank(m.search, q.query) AS rank
           FROM gmail_messages m, q
          WHERE 'gmail' = ANY($3::text[]) AND m.casefile_id = $1 AND m.search @@ q.query
         UNION ALL
         SELECT 'drive', f.id, f.google_id, ts_rank(f.search, q.query)
           FROM drive_files f, q
          WHERE 'drive' = ANY($3::text[]) AND f.casefile_id = $1 AND f.search @@ q.query
         UNION ALL
         SELECT 'sheet', s.id, s.id::text, ts_rank(s.search, q.query)
           FROM sheet_ranges s, q
          WHERE 'sheet' = ANY($3::text[]) AND s.casefile_id = $1 AND s.search @@ q.query
         ORDER BY rank DESC, type, id
         LIMIT $4
       ),
       docs AS (
         SELECT h.type, h.id, h.rank, m.subject AS title,
                m.subject || ' — ' || left(m.body_text, 100000) AS doc
           FROM hits h JOIN gmail_messages m ON h.type = 'gmail' AND m.id = h.row_id
         UNION ALL
         SELECT h.type, h.id, h.rank, f.name,
                f.name || ' — ' || f.description || ' ' || left(f.content_text, 100000)
           FROM hits h JOIN drive_files f ON h.type = 'drive' AND f.id = h.row_id
         UNION ALL
         SELECT h.type, h.id, h.rank, s.sheet_title || ' ' || s.range, ${SHEET_TEXT}
           FROM hits h JOIN sheet_ranges s ON h.type = 'sheet' AND s.id = h.row_id
       )
       SELECT d.type, d.id, d.title, ts_headline('english', d.doc, q.query, $5) AS snippet,
              d.rank::float8 AS rank
         FROM docs d, q ORDER BY d.rank DESC, d.type, d.id`,
      [casefileId, query, types, limit, HEADLINE],
    );
  }
}
