import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from '../../../core/hub/actor';

@Entity('users')
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

  @Column('text')
  role!: Role;

  @Column('boolean')
  isActive!: boolean;

  @Column('text', { nullable: true })
  twoFactorSecret!: string | null;

  @Column('boolean')
  twoFactorEnabled!: boolean;

  @Column('integer')
  failedLoginCount!: number;

  @Column('timestamptz', { nullable: true })
  failedLoginWindowStart!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
