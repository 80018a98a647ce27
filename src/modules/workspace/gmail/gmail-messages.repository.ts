import { Injectable } from '@nestjs/common';
import type { EntityColumns } from '../../../platform/database/entity-columns';
import { escapeLike, Sql, SqlParams, where } from '../../../platform/database/sql';
import {
  batchUpsertItems,
  batchUpsertSql,
  type ImportCountsDto,
  importCountsOf,
} from '../import-counts';
import { GmailMessageEntity } from './gmail-message.entity';
import type { ParsedGmailMessage } from './gmail-message.parser';
import {
  type CursorPosition,
  keysetAfter,
  type KeysetRow,
} from '../../../platform/database/keyset';

/** The columns an import writes; an upsert changes a row only when one of them differs. */
export const GMAIL_COLUMNS = [
  'threadId',
  'subject',
  'sender',
  'senderAddress',
  'recipientsTo',
  'recipientsCc',
  'sentAt',
  'snippet',
  'labels',
  'bodyText',
  'attachments',
] as const satisfies readonly (keyof GmailMessageEntity)[];

export interface GmailMessageRow
  extends
    KeysetRow,
    Pick<
      GmailMessageEntity,
      | 'googleId'
      | 'threadId'
      | 'subject'
      | 'sender'
      | 'recipientsTo'
      | 'recipientsCc'
      | 'sentAt'
      | 'snippet'
      | 'labels'
    > {}

export interface GmailFilters {
  from?: string;
  label?: string;
  after?: string;
  before?: string;
}

@Injectable()
export class GmailMessagesRepository {
  private readonly table: EntityColumns<GmailMessageEntity>;
  private readonly upsertSql: string;

  /** The SELECT list of a row (names from the entity). */
  private readonly rowColumns: string;

  constructor(private readonly sql: Sql) {
    this.table = sql.columnsOf(GmailMessageEntity);
    this.upsertSql = batchUpsertSql(this.table, GMAIL_COLUMNS);
    this.rowColumns = this.table.select('m', [
      'id',
      'googleId',
      'threadId',
      'subject',
      'sender',
      'recipientsTo',
      'recipientsCc',
      'sentAt',
      'snippet',
      'labels',
    ]);
  }

  /**
   * One statement for the whole batch: insert, or update where something changed (API.md §7);
   * a row that is already so is not written at all.
   */
  async upsert(
    casefileId: string,
    messages: readonly ParsedGmailMessage[],
  ): Promise<ImportCountsDto> {
    const written = await this.sql.rows<{ created: boolean }>(this.upsertSql, [
      casefileId,
      batchUpsertItems(this.table, GMAIL_COLUMNS, messages),
    ]);
    return importCountsOf(messages.length, written);
  }

  /** A page of the casefile's messages, newest first. */
  list(
    casefileId: string,
    filters: GmailFilters,
    take: number,
    after: CursorPosition | undefined,
  ): Promise<GmailMessageRow[]> {
    const params = new SqlParams();
    const terms = [
      ...this.conditions(casefileId, filters, params),
      ...keysetAfter({ key: 'm.sent_at', id: 'm.id' }, after, 'desc', params),
    ];
    return this.sql.rows(
      `SELECT ${this.rowColumns}, m.sent_at::text AS "cursorKey" FROM gmail_messages m ${where(terms)}
        ORDER BY m.sent_at DESC, m.id DESC LIMIT ${params.bind(take)}`,
      params.values,
    );
  }

  async count(casefileId: string, filters: GmailFilters): Promise<number> {
    const params = new SqlParams();
    const row = await this.sql.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM gmail_messages m
        ${where(this.conditions(casefileId, filters, params))}`,
      params.values,
    );
    return row?.n ?? 0;
  }

  /**
   * Soft-deletes the casefile's messages among `googleIds` (removed at the source, found so by
   * sync job `jobId`): how many it took out.
   */
  remove(casefileId: string, googleIds: readonly string[], jobId: string): Promise<number> {
    return this.sql.count(
      `UPDATE gmail_messages SET removed_at = now(), removed_by_job = $3
        WHERE casefile_id = $1 AND google_id = ANY($2::text[]) AND removed_at IS NULL`,
      [casefileId, googleIds, jobId],
    );
  }

  /** Of `googleIds`, those the casefile holds (not removed). */
  async held(casefileId: string, googleIds: readonly string[]): Promise<Set<string>> {
    const rows = await this.sql.rows<{ googleId: string }>(
      `SELECT m.google_id AS "googleId" FROM gmail_messages m
        WHERE m.casefile_id = $1 AND m.google_id = ANY($2::text[]) AND m.removed_at IS NULL`,
      [casefileId, googleIds],
    );
    return new Set(rows.map((row) => row.googleId));
  }

  /** The casefile's most frequent senders (by address), most messages first. */
  topSenders(casefileId: string, limit: number): Promise<{ from: string; count: number }[]> {
    return this.sql.rows(
      `SELECT m.sender_address AS "from", count(*)::int AS count FROM gmail_messages m
        WHERE m.casefile_id = $1 AND m.removed_at IS NULL AND m.sender_address <> ''
        GROUP BY m.sender_address ORDER BY count(*) DESC, m.sender_address LIMIT $2`,
      [casefileId, limit],
    );
  }

  private conditions(casefileId: string, filters: GmailFilters, params: SqlParams): string[] {
    const terms = [`m.casefile_id = ${params.bind(casefileId)}`, 'm.removed_at IS NULL'];
    if (filters.from) terms.push(`m.sender ILIKE ${params.bind(`%${escapeLike(filters.from)}%`)}`);
    if (filters.label) terms.push(`m.labels @> ARRAY[${params.bind(filters.label)}]::text[]`);
    if (filters.after) terms.push(`m.sent_at >= ${params.bind(filters.after)}::timestamptz`);
    if (filters.before) terms.push(`m.sent_at < ${params.bind(filters.before)}::timestamptz`);
    return terms;
  }
}
