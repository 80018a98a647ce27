import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { type SessionKind } from '../auth';

export const SESSION_STATUSES = ['active', 'closed', 'expired'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/**
 * A tool or chat session (API.md §5, §6): one table, one lifecycle, two kinds. What a kind adds
 * (tool requests, chat messages) lives in its own module's tables.
 */
@Entity('sessions')
@Check('sessions_status_check', `status IN ('active', 'closed', 'expired')`)
@Check('sessions_kind_check', `kind IN ('tool', 'chat')`)
@Index('sessions_user_kind_created_idx', ['userId', 'kind', 'createdAt', 'id'])
@Index('sessions_casefile_kind_idx', ['casefileId', 'kind'], { where: 'casefile_id IS NOT NULL' })
/** The sweep's scan; on a column that never changes, so per-request updates stay heap-only. */
@Index('sessions_active_idx', ['createdAt'], { where: "status = 'active'" })
export class SessionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  kind!: SessionKind;

  @Column('uuid')
  @ForeignKey('users', { name: 'sessions_user_id_fkey', onDelete: 'CASCADE' })
  userId!: string;

  @Column('uuid', { nullable: true })
  @ForeignKey('casefiles', { name: 'sessions_casefile_id_fkey' })
  casefileId!: string | null;

  @Column('text', { default: 'active' })
  status!: SessionStatus;

  /** The idle TTL: each request moves `expires_at` this far forward (up to the absolute cap). */
  @Column('integer')
  ttlSeconds!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  lastActivityAt!: Date;

  /** When it expires unless used: never past `created_at + SESSION_MAX_TTL_SECONDS`. */
  @Column('timestamptz')
  expiresAt!: Date;

  @Column('timestamptz', { nullable: true })
  closedAt!: Date | null;

  @Column('integer', { default: 0 })
  requestCount!: number;

  /** Whose request holds the session (one at a time, across instances), until `busy_until`. */
  @Column('uuid', { nullable: true })
  busyToken!: string | null;

  /** The busy lease's end: a process killed mid-request frees the session when it passes. */
  @Column('timestamptz', { nullable: true })
  busyUntil!: Date | null;

  /**
   * What the session's kind adds (a chat's title, system prompt, provider, model): carried by the
   * core, copied into a replacement.
   */
  @Column('jsonb', { default: {} })
  attributes!: Record<string, unknown>;

  /**
   * The session that replaced this expired one for requests on a token bound to it (API.md §5.3).
   * No foreign key: the replacement is inserted by the same statement that sets it.
   */
  @Column('uuid', { nullable: true })
  replacedBy!: string | null;
}
