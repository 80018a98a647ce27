import { Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';

/** What a message's search document is made of (API.md §7): subject, sender, then its text. */
export const GMAIL_SEARCH_SQL =
  "setweight(to_tsvector('english'::regconfig, left(subject, 2000)), 'A') || " +
  "setweight(to_tsvector('english'::regconfig, left(sender, 2000)), 'B') || " +
  "setweight(to_tsvector('english'::regconfig, left(body_text, 100000)), 'C')";

/** A Gmail message imported into a casefile, keyed by its Gmail id there. */
@Entity('gmail_messages')
@Unique('gmail_messages_casefile_google_key', ['casefileId', 'googleId'])
// lists and counts read only what is not removed: the index holds only that
@Index('gmail_messages_casefile_sent_idx', ['casefileId', 'sentAt', 'id'], {
  where: 'removed_at IS NULL',
})
// GIN on (casefile_id, search) with btree_gin: made by the migrations, not described here
@Index('gmail_messages_search_idx', { synchronize: false })
export class GmailMessageEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey('casefiles', {
    name: 'gmail_messages_casefile_id_fkey',
    onDelete: 'CASCADE',
  })
  casefileId!: string;

  @Column('text')
  googleId!: string;

  @Column('text', { nullable: true })
  threadId!: string | null;

  @Column('text')
  subject!: string;

  /** The From header, decoded (`Name <address>`). */
  @Column('text')
  sender!: string;

  /** The From address alone, lower case (filters and top senders). */
  @Column('text')
  senderAddress!: string;

  @Column('text', { array: true })
  recipientsTo!: string[];

  @Column('text', { array: true })
  recipientsCc!: string[];

  /** The Date header, else Gmail's internalDate, else when it was imported. */
  @Column({ type: 'timestamptz', precision: 3 })
  sentAt!: Date;

  @Column('text')
  snippet!: string;

  @Column('text', { array: true })
  labels!: string[];

  @Column('text')
  bodyText!: string;

  /** Attachment file names (their content is not imported). */
  @Column('text', { array: true })
  attachments!: string[];

  @Column({
    type: 'tsvector',
    generatedType: 'STORED',
    asExpression: GMAIL_SEARCH_SQL,
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
