import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/** One tool execution in a session, recorded however it ended (API.md §5). */
@Entity('tool_requests')
@Check('tool_requests_status_check', `status IN ('succeeded', 'failed')`)
@Index('tool_requests_session_started_idx', ['sessionId', 'startedAt', 'id'])
export class ToolRequestEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey('sessions', { name: 'tool_requests_session_id_fkey', onDelete: 'CASCADE' })
  sessionId!: string;

  @Column('text')
  tool!: string;

  @Column('jsonb')
  parameters!: Record<string, unknown>;

  @Column('text')
  status!: 'succeeded' | 'failed';

  @Column('jsonb', { nullable: true })
  result!: unknown;

  @Column('jsonb', { nullable: true })
  error!: { code: string; message: string } | null;

  @Column({ type: 'timestamptz', precision: 3 })
  startedAt!: Date;

  @Column('integer')
  durationMs!: number;
}
