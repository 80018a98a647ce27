import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One Idempotency-Key record per (scope, route, key), kept 24 h (idempotency.store.ts). */
@Entity('idempotency_keys')
@Check('idempotency_keys_status_check', `status IN ('in_progress', 'completed')`)
@Index('idempotency_keys_expires_idx', ['expiresAt'])
export class IdempotencyKeyEntity {
  @PrimaryColumn('text')
  scope!: string;

  @PrimaryColumn('text')
  route!: string;

  @PrimaryColumn('text')
  key!: string;

  @Column('text')
  requestHash!: string;

  @Column('text')
  status!: 'in_progress' | 'completed';

  @Column('integer', { nullable: true })
  responseStatus!: number | null;

  @Column('jsonb', { nullable: true })
  responseBody!: unknown;

  @Column('timestamptz')
  lockedUntil!: Date;

  @Column('timestamptz')
  expiresAt!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  createdAt!: Date;
}
