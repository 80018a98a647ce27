import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EntityColumns } from '../../../platform/database/entity-columns';
import { Sql } from '../../../platform/database/sql';
import { ChatTurnEventEntity } from './chat-turn-event.entity';
import type { TurnEvent } from './turn-event';

/** How many events one read answers; a follower reads on until it has them all. */
const READ_BATCH = 500;

/** The persisted events of chat turns (`chat_turn_events`). */
@Injectable()
export class TurnEventsRepository {
  /** The statement that appends a turn's events: their columns as the entity declares them. */
  private readonly insert: string;

  constructor(
    private readonly sql: Sql,
    dataSource: DataSource,
  ) {
    const events = EntityColumns.of(dataSource, ChatTurnEventEntity);
    this.insert = `INSERT INTO ${events.table} (turn_id, seq, session_id, event, data)
       SELECT $1, e.seq, $2, e.event, e.data
         FROM jsonb_to_recordset($3::jsonb) AS e(${events.recordset(['seq', 'event', 'data'])})`;
  }

  /**
   * Appends events of one turn in one statement, committed at once: they are written as they
   * happen, never held in a request's transaction. With `notify`, the same statement sends the
   * turn's id on that channel (delivered when it commits).
   */
  async append(
    sessionId: string,
    turnId: string,
    events: readonly TurnEvent[],
    notify?: string,
  ): Promise<void> {
    const insert = this.insert;
    const params = [turnId, sessionId, JSON.stringify(events)];
    if (notify === undefined) {
      await this.sql.autocommit.count(insert, params);
      return;
    }
    await this.sql.autocommit.rows(
      `WITH appended AS (${insert} RETURNING 1) SELECT pg_notify($4, $1::text)
        WHERE EXISTS (SELECT 1 FROM appended)`,
      [...params, notify],
    );
  }

  /** The turn's events after `seq`, in order (at most a batch). */
  after(sessionId: string, turnId: string, seq: number): Promise<TurnEvent[]> {
    return this.sql.rows<TurnEvent>(
      `SELECT e.seq, e.event, e.data FROM chat_turn_events e
        WHERE e.turn_id = $1 AND e.session_id = $2 AND e.seq > $3
        ORDER BY e.seq LIMIT ${READ_BATCH}`,
      [turnId, sessionId, seq],
    );
  }

  /** Whether the turn has ended (its `done` is written). */
  async ended(sessionId: string, turnId: string): Promise<boolean> {
    const row = await this.sql.one(
      `SELECT 1 FROM chat_turn_events e
        WHERE e.turn_id = $1 AND e.session_id = $2 AND e.event = 'done'`,
      [turnId, sessionId],
    );
    return row !== undefined;
  }

  /**
   * Deletes the events of up to `turns` turns whose first event is older than `seconds`, each
   * turn whole, in one statement: how many turns and events. Sweeps on several instances split the
   * due turns (`SKIP LOCKED` on their first events) instead of deleting the same ones twice.
   */
  async deleteTurnsStartedBefore(
    seconds: number,
    turns: number,
  ): Promise<{ turns: number; events: number }> {
    const row = await this.sql.one<{ turns: number; events: number }>(
      `WITH due AS (
         SELECT e.turn_id FROM chat_turn_events e
          WHERE e.seq = 1 AND e.created_at < now() - make_interval(secs => $1)
          ORDER BY e.created_at LIMIT $2 FOR UPDATE SKIP LOCKED),
       deleted AS (
         DELETE FROM chat_turn_events e USING due WHERE e.turn_id = due.turn_id RETURNING 1)
       SELECT (SELECT count(*) FROM due)::int AS turns,
              (SELECT count(*) FROM deleted)::int AS events`,
      [seconds, turns],
    );
    return row ?? { turns: 0, events: 0 };
  }

  /** Whether the session has a turn of this id. */
  async exists(sessionId: string, turnId: string): Promise<boolean> {
    const row = await this.sql.one(
      `SELECT 1 FROM chat_turn_events e WHERE e.turn_id = $1 AND e.session_id = $2 LIMIT 1`,
      [turnId, sessionId],
    );
    return row !== undefined;
  }
}
