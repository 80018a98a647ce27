import {
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryColumn,
  Unique,
} from 'typeorm';
import type { ApiKeyScope } from '../../../core/hub/actor';
import { UserEntity } from '../users/user.entity';

@Entity('api_keys')
@Unique('api_keys_prefix_key', ['prefix'])
@Index('api_keys_user_created_idx', ['userId', 'createdAt', 'id'])
export class ApiKeyEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => UserEntity, { name: 'api_keys_user_id_fkey', onDelete: 'CASCADE' })
  userId!: string;

  @Column('text')
  name!: string;

  @Column('text')
  prefix!: string;

  @Column('text')
  keyHash!: string;

  @Column('text', { array: true, default: '{read,write}' })
  scopes!: ApiKeyScope[];

  @Column('timestamptz', { nullable: true })
  expiresAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  revokedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  lastUsedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
