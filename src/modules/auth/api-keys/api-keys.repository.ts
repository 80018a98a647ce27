import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { IsNull } from 'typeorm';
import { uuidv7 } from 'uuidv7';
import type { ApiKeyScope, Role } from '../../../core/hub/actor';
import { ApiKeyEntity } from './api-key.entity';

/** What the guard needs to authenticate a key (cached by prefix). */
export interface ApiKeyCredential {
  id: string;
  userId: string;
  role: Role;
  keyHash: string;
  scopes: ApiKeyScope[];
  expiresAt: string | null;
  /** False once revoked or its user disabled. */
  active: boolean;
}

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repo() {
    return this.txHost.tx.getRepository(ApiKeyEntity);
  }

  async insert(key: {
    userId: string;
    name: string;
    prefix: string;
    keyHash: string;
    scopes: ApiKeyScope[];
    expiresAt: Date | null;
  }): Promise<ApiKeyEntity> {
    const id = uuidv7();
    await this.repo.insert({ id, ...key });
    return this.repo.findOneByOrFail({ id });
  }

  listActiveOf(userId: string): Promise<ApiKeyEntity[]> {
    return this.repo.find({
      where: { userId, revokedAt: IsNull() },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  /** Revokes the user's key; returns its prefix, or undefined when there is no such active key. */
  async revoke(userId: string, id: string): Promise<string | undefined> {
    const result = await this.txHost.tx
      .createQueryBuilder()
      .update(ApiKeyEntity)
      .set({ revokedAt: () => 'now()' })
      .where('id = :id AND user_id = :userId AND revoked_at IS NULL', { id, userId })
      .returning(['prefix'])
      .execute();
    return (result.raw as { prefix: string }[])[0]?.prefix;
  }

  async prefixesOfUser(userId: string): Promise<string[]> {
    const rows = await this.repo.find({ select: { prefix: true }, where: { userId } });
    return rows.map((row) => row.prefix);
  }

  async findCredential(prefix: string): Promise<ApiKeyCredential | undefined> {
    // expiresAt as ISO text: the credential is cached as JSON, so it is a string either way
    const [row] = await this.txHost.tx.query<ApiKeyCredential[]>(
      `SELECT k.id, k.user_id AS "userId", u.role, k.key_hash AS "keyHash", k.scopes,
              to_char(k.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "expiresAt",
              (k.revoked_at IS NULL AND u.is_active) AS active
         FROM api_keys k JOIN users u ON u.id = k.user_id
        WHERE k.prefix = $1`,
      [prefix],
    );
    return row;
  }

  /** At most once a minute per key, so a busy key does not write on every request. */
  async touch(id: string): Promise<void> {
    await this.txHost.tx.query(
      `UPDATE api_keys SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
