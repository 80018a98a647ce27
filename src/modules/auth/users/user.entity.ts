import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Role } from '../../../core/hub/actor';

/**
 * `users` as migration Identity1795309200000 (+ UsersSearch) creates it. The expression indexes
 * (case-insensitive uniqueness, trigram search) are beyond TypeORM's index model: declared here by
 * name so schema tools keep them, defined in the migrations.
 */
@Entity('users')
@Check('users_role_check', `role IN ('user', 'admin', 'super_admin')`)
@Index('users_email_key', { synchronize: false })
@Index('users_username_key', { synchronize: false })
@Index('users_search_trgm_idx', { synchronize: false })
@Index('users_created_at_id_idx', ['createdAt', 'id'])
export class UserEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  email!: string;

  @Column('text')
  username!: string;

  @Column('text', { nullable: true })
  displayName!: string | null;

  @Column('text')
  passwordHash!: string;

  @Column('text', { default: 'user' })
  role!: Role;

  @Column('boolean', { default: true })
  isActive!: boolean;

  @Column('text', { nullable: true })
  twoFactorSecret!: string | null;

  @Column('boolean', { default: false })
  twoFactorEnabled!: boolean;

  @Column('integer', { default: 0 })
  failedLoginCount!: number;

  @Column('timestamptz', { nullable: true })
  failedLoginWindowStart!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
