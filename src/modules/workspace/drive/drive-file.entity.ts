import { Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';

export const DRIVE_SEARCH_SQL =
  "setweight(to_tsvector('english'::regconfig, left(name, 2000)), 'A') || " +
  "setweight(to_tsvector('english'::regconfig, left(description, 10000)), 'B') || " +
  "setweight(to_tsvector('english'::regconfig, left(content_text, 100000)), 'C')";

/** A Drive file (its metadata, and its text when given) imported into a casefile. */
@Entity('drive_files')
@Unique('drive_files_casefile_google_key', ['casefileId', 'googleId'])
// lists and counts read only what is not removed: the index holds only that
@Index('drive_files_casefile_modified_idx', ['casefileId', 'modifiedAt', 'id'], {
  where: 'removed_at IS NULL',
})
// GIN on (casefile_id, search) with btree_gin: made by the migrations, not described here
@Index('drive_files_search_idx', { synchronize: false })
export class DriveFileEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey('casefiles', { name: 'drive_files_casefile_id_fkey', onDelete: 'CASCADE' })
  casefileId!: string;

  @Column('text')
  googleId!: string;

  @Column('text')
  name!: string;

  @Column('text')
  mimeType!: string;

  @Column('text')
  description!: string;

  /** Drive's modifiedTime, else when it was imported. */
  @Column({ type: 'timestamptz', precision: 3 })
  modifiedAt!: Date;

  @Column('bigint', { nullable: true })
  sizeBytes!: string | null;

  @Column('text', { nullable: true })
  webViewLink!: string | null;

  @Column('text', { array: true })
  owners!: string[];

  @Column('text')
  contentText!: string;

  @Column({
    type: 'tsvector',
    generatedType: 'STORED',
    asExpression: DRIVE_SEARCH_SQL,
    select: false,
  })
  search!: string;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  updatedAt!: Date;

  /** When a sync found it removed at the source: from then on it is out of lists, search, tools. */
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  removedAt!: Date | null;

  /** The sync job that found it removed. */
  @Column('uuid', { nullable: true })
  removedByJob!: string | null;
}
