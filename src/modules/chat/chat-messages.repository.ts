import { Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import { toStorableText } from '../../core/http/hostile-input';
import { Sql, SqlParams, where } from '../../platform/database/sql';
import { ChatMessageEntity } from './chat-message.entity';
import { type CursorPosition, keysetAfter, type KeysetRow } from '../../platform/database/keyset';

/**
 * A message to store; its `id` when the caller fixed it earlier (a streamed answer's deltas name
 * it). `created_at` is always the database's clock at the insert: the order of a session's
 * messages is one clock's.
 */
export type NewChatMessage = Omit<ChatMessageEntity, 'id' | 'createdAt'> &
  Partial<Pick<ChatMessageEntity, 'id'>>;

@Injectable()
export class ChatMessagesRepository {
  /** The SELECT list of a row (names from the entity). */
  private readonly messageColumns: string;

  constructor(private readonly sql: Sql) {
    this.messageColumns = sql.columnsOf(ChatMessageEntity).select('m');
  }

  /**
   * Stores a message at once: a turn is kept as far as it got, whatever ends it. A model's text
   * never passed the input edge: a NUL or a lone surrogate in it is stored as U+FFFD.
   */
  async insert(message: NewChatMessage): Promise<ChatMessageEntity> {
    const row = await this.sql.one<ChatMessageEntity>(
      `INSERT INTO chat_messages AS m
         (id, session_id, turn_id, role, content, tool_calls, tool_call_id)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
       RETURNING ${this.messageColumns}`,
      [
        message.id ?? uuidv7(),
        message.sessionId,
        message.turnId,
        message.role,
        toStorableText(message.content),
        message.toolCalls === null
          ? null
          : JSON.stringify(
              message.toolCalls.map((call) => ({
                id: toStorableText(call.id),
                name: toStorableText(call.name),
                arguments: toStorableText(call.arguments),
              })),
            ),
        message.toolCallId === null ? null : toStorableText(message.toolCallId),
      ],
    );
    return row as ChatMessageEntity;
  }

  /** The session's last `limit` messages, oldest first: the conversation a model is shown. */
  async recent(sessionId: string, limit: number): Promise<ChatMessageEntity[]> {
    const rows = await this.sql.rows<ChatMessageEntity>(
      `SELECT ${this.messageColumns} FROM chat_messages m WHERE m.session_id = $1
        ORDER BY m.created_at DESC, m.id DESC LIMIT $2`,
      [sessionId, limit],
    );
    return rows.reverse();
  }

  /**
   * The calls of the session's last assistant message that no `tool` message answers, with that
   * message's turn (none: nothing is open). Every turn asks, and nearly always the session's
   * newest message settles it (a user message, or an answer without calls: nothing open) — one
   * row from the end of the index. Only after a tool call or a `tool` message is the last
   * assistant message looked for (without the gate the planner read and sorted the whole
   * session: 2.0 ms at 1 000 messages, 0.17 ms with it).
   */
  unansweredCalls(sessionId: string): Promise<{ turnId: string; callIds: string[] } | undefined> {
    return this.sql.one(
      `WITH newest AS (SELECT n.role, n.tool_calls FROM chat_messages n WHERE n.session_id = $1
                        ORDER BY n.created_at DESC, n.id DESC LIMIT 1)
       SELECT a.turn_id AS "turnId", array_agg(c.call->>'id' ORDER BY c.n) AS "callIds"
         FROM (SELECT m.turn_id, m.tool_calls, m.created_at FROM chat_messages m
                WHERE m.session_id = $1 AND m.role = 'assistant'
                ORDER BY m.created_at DESC, m.id DESC LIMIT 1) a
        CROSS JOIN jsonb_array_elements(a.tool_calls) WITH ORDINALITY AS c(call, n)
        WHERE EXISTS (SELECT 1 FROM newest WHERE newest.role = 'tool' OR newest.tool_calls IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM chat_messages t
                           WHERE t.session_id = $1 AND t.created_at >= a.created_at
                             AND t.role = 'tool' AND t.tool_call_id = c.call->>'id')
        GROUP BY a.turn_id`,
      [sessionId],
    );
  }

  /** A page of the session's messages, oldest first. */
  list(
    sessionId: string,
    take: number,
    after: CursorPosition | undefined,
  ): Promise<(ChatMessageEntity & KeysetRow)[]> {
    const params = new SqlParams();
    const terms = [
      `m.session_id = ${params.bind(sessionId)}`,
      ...keysetAfter({ key: 'm.created_at', id: 'm.id' }, after, 'asc', params),
    ];
    return this.sql.rows(
      `SELECT ${this.messageColumns}, m.created_at::text AS "cursorKey" FROM chat_messages m ${where(terms)}
        ORDER BY m.created_at, m.id LIMIT ${params.bind(take)}`,
      params.values,
    );
  }

  /** Messages per session, for the sessions of a page. */
  async counts(sessionIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.sql.rows<{ sessionId: string; n: number }>(
      `SELECT m.session_id AS "sessionId", count(*)::int AS n FROM chat_messages m
        WHERE m.session_id = ANY($1::uuid[]) GROUP BY m.session_id`,
      [sessionIds],
    );
    return new Map(rows.map((row) => [row.sessionId, row.n]));
  }
}
