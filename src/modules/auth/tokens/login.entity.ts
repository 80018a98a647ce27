import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity';

/** One login = one token family: every refresh and access token it issues carries its id. */
@Entity('auth_logins')
@Index('auth_logins_user_active_idx', ['userId'], { where: 'revoked_at IS NULL' })
export class LoginEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => UserEntity, { name: 'auth_logins_user_id_fkey', onDelete: 'CASCADE' })
  userId!: string;

  @Column('boolean', { default: false })
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
