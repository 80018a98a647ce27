import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * `casefiles` as migration Casefiles1795316700000 creates it. User-facing indexes are partial on
 * live rows; the GIN indexes (tags, trigram search) are beyond TypeORM's index model and are
 * declared by name only, defined in the migration.
 */
@Entity('casefiles')
@Check('casefiles_title_check', 'char_length(title) BETWEEN 1 AND 200')
@Check('casefiles_description_check', 'char_length(description) <= 10000')
@Check('casefiles_tags_check', 'cardinality(tags) <= 20')
@Index('casefiles_owner_created_idx', ['ownerId', 'createdAt', 'id'], {
  where: 'deleted_at IS NULL',
})
@Index('casefiles_owner_updated_idx', ['ownerId', 'updatedAt', 'id'], {
  where: 'deleted_at IS NULL',
})
@Index('casefiles_owner_title_idx', ['ownerId', 'title', 'id'], { where: 'deleted_at IS NULL' })
@Index('casefiles_created_idx', ['createdAt', 'id'])
@Index('casefiles_updated_idx', ['updatedAt', 'id'])
@Index('casefiles_title_idx', ['title', 'id'])
@Index('casefiles_owner_idx', ['ownerId'])
@Index('casefiles_tags_idx', { synchronize: false })
@Index('casefiles_search_idx', { synchronize: false })
export class CasefileEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey('users', { name: 'casefiles_owner_id_fkey' })
  ownerId!: string;

  @Column('text')
  title!: string;

  @Column('text', { nullable: true })
  description!: string | null;

  @Column('text', { array: true, default: '{}' })
  tags!: string[];

  @Column('integer', { default: 1 })
  version!: number;

  @Column('timestamptz', { default: () => 'now()' })
  ownerSince!: Date;

  /** Millisecond precision: exactly what the API shows, so a time read back compares equal. */
  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  updatedAt!: Date;

  @Column('timestamptz', { nullable: true })
  deletedAt!: Date | null;
}
