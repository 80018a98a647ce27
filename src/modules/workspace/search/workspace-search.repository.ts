import { Injectable } from '@nestjs/common';
import { Sql } from '../../../platform/database/sql';
import type { SearchHitDto, SearchType } from '../dto/workspace.dto';

/**
 * Where ts_headline marks a match: two private-use characters, taken out of the document first,
 * so the only markup a snippet can carry is the `<mark>` these become once the rest is escaped.
 */
const MARK_START = '\uE000';
const MARK_END = '\uE001';

/** ts_headline's options: the matches marked, two fragments of up to 30 words. */
const HEADLINE = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=30, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "`;

/**
 * How much of a hit's text its snippet is made from: ts_headline's cost is linear in the text,
 * and a hit's text may be megabytes (issue 21: six 9 MiB descriptions took a search past the
 * statement timeout). A match further in is found, but not shown.
 */
const HEADLINED_CHARS = 10_000;

/** A sheet range's header and cells as words, from a capped prefix of their JSON text. */
const SHEET_TEXT = `s.sheet_title || ' ' || translate(left(s.header::text, 2000), '[]",', '    ')
    || ' ' || translate(left(s.rows::text, ${HEADLINED_CHARS}), '[]",', '    ')`;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * A snippet as HTML that is safe by construction: the text escaped, then the match markers made
 * `<mark>`/`</mark>` — the only markup it can hold (issue 21: an imported `<svg onload=…>`
 * reached clients as live markup).
 */
export function snippetHtml(headline: string): string {
  return headline
    .replace(/[&<>"']/g, (c) => HTML_ESCAPES[c])
    .replaceAll(MARK_START, '<mark>')
    .replaceAll(MARK_END, '</mark>');
}

@Injectable()
export class WorkspaceSearchRepository {
  constructor(private readonly sql: Sql) {}

  async search(
    casefileId: string,
    query: string,
    types: readonly SearchType[],
    limit: number,
  ): Promise<SearchHitDto[]> {
    const hits = await this.sql.rows<SearchHitDto>(
      `WITH q AS (SELECT websearch_to_tsquery('english', $2) AS query),
       hits AS (
         SELECT 'gmail' AS type, m.id AS row_id, m.google_id AS id,
                ts_rank(m.search, q.query) AS rank
           FROM gmail_messages m, q
          WHERE 'gmail' = ANY($3::text[]) AND m.casefile_id = $1 AND m.removed_at IS NULL
            AND m.search @@ q.query
         UNION ALL
         SELECT 'drive', f.id, f.google_id, ts_rank(f.search, q.query)
           FROM drive_files f, q
          WHERE 'drive' = ANY($3::text[]) AND f.casefile_id = $1 AND f.removed_at IS NULL
            AND f.search @@ q.query
         UNION ALL
         SELECT 'sheet', s.id, s.id::text, ts_rank(s.search, q.query)
           FROM sheet_ranges s, q
          WHERE 'sheet' = ANY($3::text[]) AND s.casefile_id = $1 AND s.removed_at IS NULL
            AND s.search @@ q.query
         ORDER BY rank DESC, type, id
         LIMIT $4
       ),
       docs AS (
         SELECT h.type, h.id, h.rank, m.subject AS title,
                left(m.subject, 2000) || ' — ' || left(m.body_text, ${HEADLINED_CHARS}) AS doc
           FROM hits h JOIN gmail_messages m ON h.type = 'gmail' AND m.id = h.row_id
         UNION ALL
         SELECT h.type, h.id, h.rank, f.name,
                f.name || ' — ' || left(f.description, 2000) || ' '
                  || left(f.content_text, ${HEADLINED_CHARS})
           FROM hits h JOIN drive_files f ON h.type = 'drive' AND f.id = h.row_id
         UNION ALL
         SELECT h.type, h.id, h.rank, s.sheet_title || ' ' || s.range, ${SHEET_TEXT}
           FROM hits h JOIN sheet_ranges s ON h.type = 'sheet' AND s.id = h.row_id
       )
       SELECT d.type, d.id, d.title,
              ts_headline('english', translate(d.doc, $6, ''), q.query, $5) AS snippet,
              d.rank::float8 AS rank
         FROM docs d, q ORDER BY d.rank DESC, d.type, d.id`,
      [casefileId, query, types, limit, HEADLINE, MARK_START + MARK_END],
    );
    return hits.map((hit) => ({ ...hit, snippet: snippetHtml(hit.snippet) }));
  }
}
