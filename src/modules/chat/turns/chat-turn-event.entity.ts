import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import type { TurnEventName } from './turn-event';

/** One event of a chat turn as it was streamed (API.md §6), kept for resumption. */
@Entity('chat_turn_events')
@Index('chat_turn_events_session_idx', ['sessionId'])
// the retention sweep finds due turns by their first event
@Index('chat_turn_events_started_idx', ['createdAt'], { where: 'seq = 1' })
export class ChatTurnEventEntity {
  @PrimaryColumn('uuid')
  turnId!: string;

  /** 1, 2, … within the turn: the SSE `id:`. */
  @PrimaryColumn('integer')
  seq!: number;

  @Column('uuid')
  @ForeignKey('sessions', {
    name: 'chat_turn_events_session_id_fkey',
    onDelete: 'CASCADE',
  })
  sessionId!: string;

  @Column('text')
  event!: TurnEventName;

  @Column('jsonb')
  data!: Record<string, unknown>;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;
}
