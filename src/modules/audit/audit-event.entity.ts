import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type AuditStatus = 'success' | 'failure';

/**
 * Append-only; no foreign keys (an event outlives what it describes). `seq`, `prev_hash`, `hash`
 * and `sealed_at` are set by the background sealer (audit-chain.ts). The descending indexes of
 * the lists are beyond TypeORM's index model: declared by name, defined in the migrations.
 */
@Entity('audit_events')
@Check('audit_events_status_check', `status IN ('success', 'failure')`)
@Index('audit_events_at_id_idx', { synchronize: false })
@Index('audit_events_user_at_idx', { synchronize: false })
@Index('audit_events_operation_at_idx', { synchronize: false })
@Index('audit_events_casefile_at_idx', { synchronize: false })
@Index('audit_events_seq_key', ['seq'], { unique: true, where: 'seq IS NOT NULL' })
@Index('audit_events_unsealed_idx', ['at', 'id'], { where: 'seq IS NULL' })
export class AuditEventEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('timestamptz', { default: () => 'now()' })
  at!: Date;

  @Column('text')
  requestId!: string;

  @Column('uuid', { nullable: true })
  userId!: string | null;

  @Column('text')
  operation!: string;

  @Column('text', { nullable: true })
  resourceType!: string | null;

  @Column('text', { nullable: true })
  resourceId!: string | null;

  @Column('uuid', { nullable: true })
  casefileId!: string | null;

  @Column('text')
  status!: AuditStatus;

  @Column('integer')
  httpStatus!: number;

  @Column('jsonb', { default: {} })
  details!: Record<string, unknown>;

  @Column('text', { nullable: true })
  ip!: string | null;

  @Column('text', { nullable: true })
  userAgent!: string | null;

  @Column('bigint', { nullable: true })
  seq!: string | null;

  @Column('text', { nullable: true })
  prevHash!: string | null;

  @Column('text', { nullable: true })
  hash!: string | null;

  @Column('timestamptz', { nullable: true })
  sealedAt!: Date | null;
}
