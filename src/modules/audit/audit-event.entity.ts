import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AuditStatus = 'success' | 'failure';

@Entity('audit_events')
export class AuditEventEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('timestamptz')
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

  @Column('jsonb')
  details!: Record<string, unknown>;

  @Column('text', { nullable: true })
  ip!: string | null;

  @Column('text', { nullable: true })
  userAgent!: string | null;
}
