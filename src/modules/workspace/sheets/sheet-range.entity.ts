import { Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';

export const SHEET_SEARCH_SQL =
  "setweight(to_tsvector('english'::regconfig, left(sheet_title, 2000)), 'A') || " +
  "setweight(to_tsvector('english'::regconfig, left(header::text, 10000)), 'B') || " +
  "setweight(to_tsvector('english'::regconfig, left(rows::text, 100000)), 'C')";

/** The values of one range of a spreadsheet (a Sheets ValueRange), its first row the header. */
@Entity('sheet_ranges')
@Unique('sheet_ranges_casefile_range_key', ['casefileId', 'spreadsheetId', 'range'])
// lists and counts read only what is not removed: the index holds only that
@Index('sheet_ranges_casefile_created_idx', ['casefileId', 'createdAt', 'id'], {
  where: 'removed_at IS NULL',
})
// GIN on (casefile_id, search) with btree_gin: made by the migrations, not described here
@Index('sheet_ranges_search_idx', { synchronize: false })
export class SheetRangeEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey('casefiles', { name: 'sheet_ranges_casefile_id_fkey', onDelete: 'CASCADE' })
  casefileId!: string;

  @Column('text')
  spreadsheetId!: string;

  @Column('text')
  sheetTitle!: string;

  /** The A1 range as Sheets named it (`Sheet1!A1:D20`). */
  @Column('text')
  range!: string;

  /** The first row, as text. */
  @Column('jsonb')
  header!: string[];

  /** The rows after the header, as Sheets gave them (strings, numbers, booleans). */
  @Column('jsonb')
  rows!: unknown[][];

  @Column('integer')
  rowCount!: number;

  @Column({
    type: 'tsvector',
    generatedType: 'STORED',
    asExpression: SHEET_SEARCH_SQL,
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
