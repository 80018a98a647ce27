import { Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import { escapeLike, Sql, SqlParams, where } from '../../../platform/database/sql';
import { batchUpsertSql, type ImportCountsDto, importCountsOf } from '../import-counts';
import type { ParsedGmailMessage } from './gmail-message.parser';
import {
  type CursorPosition,
  keysetAfter,
  type KeysetRow,
} from '../../../platform/database/keyset';

/** The columns an import writes; an upsert changes a row only when one of them differs. */
const COLUMNS = [
  'thread_id',
  'subject',
  'sender',
  'sender_address',
  'recipients_to',
  'recipients_cc',
  'sent_at',
  'snippet',
  'labels',
  'body_text',
  'attachments',
] as const;

export interface GmailMessageRow extends KeysetRow {
  googleId: string;
  threadId: string | null;
  subject: string;
  sender: string;
  recipientsTo: string[];
  recipientsCc: string[];
  sentAt: Date;
  snippet: string;
  labels: string[];
}

export interface GmailFilters {
  from?: string;
  label?: string;
  after?: string;
  before?: string;
}

const ROW = `m.id, m.google_id AS "googleId", m.thread_id AS "threadId", m.subject, m.sender,
  m.recipients_to AS "recipientsTo", m.recipients_cc AS "recipientsCc", m.sent_at AS "sentAt",
  m.snippet, m.labels`;

@Injectable()
export class GmailMessagesRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * One statement for the whole batch: insert, or update where something changed (API.md §7);
   * a row that is already so is not written at all.
   */
  async upsert(
    casefileId: string,
    messages: readonly ParsedGmailMessage[],
  ): Promise<ImportCountsDto> {
    const items = messages.map((m) => ({
      id: uuidv7(),
      google_id: m.googleId,
      thread_id: m.threadId,
      subject: m.subject,
      sender: m.sender,
      sender_address: m.senderAddress,
      recipients_to: m.recipientsTo,
      recipients_cc: m.recipientsCc,
      sent_at: m.sentAt.toISOString(),
      snippet: m.snippet,
      labels: m.labels,
      body_text: m.bodyText,
      attachments: m.attachments,
    }));
    const written = await this.sql.rows<{ created: boolean }>(
      batchUpsertSql(
        'gmail_messages',
        COLUMNS,
        'thread_id text, subject text, sender text, sender_address text, recipients_to text[], recipients_cc text[], sent_at timestamptz, snippet text, labels text[], body_text text, attachments text[]',
      ),
      [casefileId, JSON.stringify(items)],
    );
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
      `SELECT ${ROW}, m.sent_at::text AS "cursorKey" FROM gmail_messages m ${where(terms)}
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

  /** The casefile's most frequent senders (by address), most messages first. */
  topSenders(casefileId: string, limit: number): Promise<{ from: string; count: number }[]> {
    return this.sql.rows(
      `SELECT m.sender_address AS "from", count(*)::int AS count FROM gmail_messages m
        WHERE m.casefile_id = $1 AND m.sender_address <> ''
        GROUP BY m.sender_address ORDER BY count(*) DESC, m.sender_address LIMIT $2`,
      [casefileId, limit],
    );
  }

  private conditions(casefileId: string, filters: GmailFilters, params: SqlParams): string[] {
    const terms = [`m.casefile_id = ${params.bind(casefileId)}`];
    if (filters.from) terms.push(`m.sender ILIKE ${params.bind(`%${escapeLike(filters.from)}%`)}`);
    if (filters.label) terms.push(`m.labels @> ARRAY[${params.bind(filters.label)}]::text[]`);
    if (filters.after) terms.push(`m.sent_at >= ${params.bind(filters.after)}::timestamptz`);
    if (filters.before) terms.push(`m.sent_at < ${params.bind(filters.before)}::timestamptz`);
    return terms;
  }
}
