import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** The chain's last link (one row), so deleting the newest sealed events is detected too. */
@Entity('audit_chain_head')
@Check('audit_chain_head_id_check', 'id = 1')
export class AuditChainHeadEntity {
  @PrimaryColumn('smallint')
  id!: number;

  @Column('bigint')
  lastSeq!: string;

  @Column('text')
  lastHash!: string;

  @Column('timestamptz', { default: () => 'now()' })
  updatedAt!: Date;
}
