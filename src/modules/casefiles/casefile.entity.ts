import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('casefiles')
export class CasefileEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  ownerId!: string;

  @Column('text')
  title!: string;

  @Column('text', { nullable: true })
  description!: string | null;

  @Column('text', { array: true })
  tags!: string[];

  @Column('integer')
  version!: number;

  @Column('timestamptz')
  ownerSince!: Date;

  @Column('timestamptz')
  createdAt!: Date;

  @Column('timestamptz')
  updatedAt!: Date;

  @Column('timestamptz', { nullable: true })
  deletedAt!: Date | null;
}
