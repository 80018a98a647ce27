import { Column, Entity, PrimaryColumn } from 'typeorm';

export const TOOL_SESSION_STATUSES = ['active', 'closed', 'expired'] as const;
export type ToolSessionStatus = (typeof TOOL_SESSION_STATUSES)[number];

@Entity('tool_sessions')
export class ToolSessionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  userId!: string;

  @Column('uuid', { nullable: true })
  casefileId!: string | null;

  @Column('text')
  status!: ToolSessionStatus;

  /** The idle TTL: each request moves `expires_at` this far forward (up to the absolute cap). */
  @Column('integer')
  ttlSeconds!: number;

  @Column('timestamptz')
  createdAt!: Date;

  @Column('timestamptz')
  lastActivityAt!: Date;

  @Column('timestamptz')
  expiresAt!: Date;

  @Column('timestamptz', { nullable: true })
  closedAt!: Date | null;

  @Column('integer')
  requestCount!: number;
}
