import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** One login = one token family: every refresh and access token it issues carries its id. */
@Entity('auth_logins')
export class LoginEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  userId!: string;

  @Column('boolean')
  secondFactor!: boolean;

  @Column('text', { nullable: true })
  ip!: string | null;

  @Column('text', { nullable: true })
  userAgent!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { nullable: true })
  revokedAt!: Date | null;

  @Column('text', { nullable: true })
  revokedReason!: string | null;
}
