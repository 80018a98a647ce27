import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import type { GrantableLevel } from './permission-level';

/** A grant on a casefile; the owner is `casefiles.owner_id`, never a row here. */
@Entity('casefile_permissions')
@Check('casefile_permissions_level_check', `level IN ('viewer', 'editor', 'manager')`)
@Index('casefile_permissions_user_idx', ['userId', 'casefileId'])
export class CasefilePermissionEntity {
  @PrimaryColumn('uuid')
  @ForeignKey('casefiles', {
    name: 'casefile_permissions_casefile_id_fkey',
    onDelete: 'CASCADE',
  })
  casefileId!: string;

  @PrimaryColumn('uuid')
  @ForeignKey('users', { name: 'casefile_permissions_user_id_fkey', onDelete: 'CASCADE' })
  userId!: string;

  @Column('text')
  level!: GrantableLevel;

  @Column('uuid', { nullable: true })
  @ForeignKey('users', {
    name: 'casefile_permissions_granted_by_fkey',
    onDelete: 'SET NULL',
  })
  grantedBy!: string | null;

  @Column('timestamptz', { default: () => 'now()' })
  grantedAt!: Date;
}
