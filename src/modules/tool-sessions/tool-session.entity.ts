import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { CasefileEntity } from '../casefiles/casefile.entity';
import { UserEntity } from '../auth/users/user.entity';

export const TOOL_SESSION_STATUSES = ['active', 'closed', 'expired'] as const;
export type ToolSessionStatus = (typeof TOOL_SESSION_STATUSES)[number];

@Entity('tool_sessions')
@Check('tool_sessions_status_check', `status IN ('active', 'closed', 'expired')`)
@Index('tool_sessions_user_created_idx', ['userId', 'createdAt', 'id'])
@Index('tool_sessions_casefile_idx', ['casefileId'], { where: 'casefile_id IS NOT NULL' })
export class ToolSessionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => UserEntity, { name: 'tool_sessions_user_id_fkey', onDelete: 'CASCADE' })
  userId!: string;

  @Column('uuid', { nullable: true })
  @ForeignKey(() => CasefileEntity, { name: 'tool_sessions_casefile_id_fkey' })
  casefileId!: string | null;

  @Column('text', { default: 'active' })
  status!: ToolSessionStatus;

  /** The idle TTL: each request moves `expires_at` this far forward (up to the absolute cap). */
  @Column('integer')
  ttlSeconds!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  lastActivityAt!: Date;

  @Column('timestamptz')
  expiresAt!: Date;

  @Column('timestamptz', { nullable: true })
  closedAt!: Date | null;

  @Column('integer', { default: 0 })
  requestCount!: number;
}
