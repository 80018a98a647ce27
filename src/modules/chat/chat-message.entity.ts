import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import type { ModelToolCall } from './providers/chat-model';

export const CHAT_ROLES = ['user', 'assistant', 'tool'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

/** One message of a chat session (API.md §6), in turn order. */
@Entity('chat_messages')
@Check('chat_messages_role_check', `role IN ('user', 'assistant', 'tool')`)
@Index('chat_messages_session_created_idx', ['sessionId', 'createdAt', 'id'])
export class ChatMessageEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey('sessions', { name: 'chat_messages_session_id_fkey', onDelete: 'CASCADE' })
  sessionId!: string;

  /** The turn (one user message and everything it led to) the message belongs to. */
  @Column('uuid')
  turnId!: string;

  @Column('text')
  role!: ChatRole;

  @Column('text')
  content!: string;

  @Column('jsonb', { nullable: true })
  toolCalls!: ModelToolCall[] | null;

  @Column('text', { nullable: true })
  toolCallId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;
}
