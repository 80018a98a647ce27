import {
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryColumn,
  Unique,
} from 'typeorm';
import { LoginEntity } from './login.entity';

/** A refresh token, stored only as its SHA-256; `usedAt` marks it spent (rotation). */
@Entity('refresh_tokens')
@Unique('refresh_tokens_token_hash_key', ['tokenHash'])
@Index('refresh_tokens_login_idx', ['loginId'])
export class RefreshTokenEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => LoginEntity, { name: 'refresh_tokens_login_id_fkey', onDelete: 'CASCADE' })
  loginId!: string;

  @Column('uuid', { nullable: true })
  @ForeignKey(() => RefreshTokenEntity, {
    name: 'refresh_tokens_parent_id_fkey',
    onDelete: 'SET NULL',
  })
  parentId!: string | null;

  @Column('text')
  tokenHash!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz')
  expiresAt!: Date;

  @Column('timestamptz', { nullable: true })
  usedAt!: Date | null;
}
