import { Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import type { ApiKeyScope, Role } from '../../../core/hub/actor';
import { Sql } from '../../../platform/database/sql';
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
  /** The SELECT list of a row (names from the entity). */
  private readonly keyColumns: string;

  constructor(private readonly sql: Sql) {
    this.keyColumns = sql.columnsOf(ApiKeyEntity).select('k');
  }

  async insert(key: {
    userId: string;
    name: string;
    prefix: string;
    keyHash: string;
    scopes: ApiKeyScope[];
    expiresAt: Date | null;
  }): Promise<ApiKeyEntity> {
    const row = await this.sql.one<ApiKeyEntity>(
      `INSERT INTO api_keys AS k (id, user_id, name, prefix, key_hash, scopes, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${this.keyColumns}`,
      [uuidv7(), key.userId, key.name, key.prefix, key.keyHash, key.scopes, key.expiresAt],
    );
    return row as ApiKeyEntity;
  }

  listActiveOf(userId: string): Promise<ApiKeyEntity[]> {
    return this.sql.rows<ApiKeyEntity>(
      `SELECT ${this.keyColumns} FROM api_keys k WHERE k.user_id = $1 AND k.revoked_at IS NULL
        ORDER BY k.created_at DESC, k.id DESC`,
      [userId],
    );
  }

  /** Revokes the user's key; returns its prefix, or undefined when there is no such active key. */
  async revoke(userId: string, id: string): Promise<string | undefined> {
    const row = await this.sql.one<{ prefix: string }>(
      `UPDATE api_keys SET revoked_at = now()
        WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING prefix`,
      [id, userId],
    );
    return row?.prefix;
  }

  async prefixesOfUser(userId: string): Promise<string[]> {
    const rows = await this.sql.rows<{ prefix: string }>(
      'SELECT prefix FROM api_keys WHERE user_id = $1',
      [userId],
    );
    return rows.map((row) => row.prefix);
  }

  findCredential(prefix: string): Promise<ApiKeyCredential | undefined> {
    // expiresAt as ISO text: the credential is cached as JSON, so it is a string either way
    return this.sql.one<ApiKeyCredential>(
      `SELECT k.id, k.user_id AS "userId", u.role, k.key_hash AS "keyHash", k.scopes,
              to_char(k.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "expiresAt",
              (k.revoked_at IS NULL AND u.is_active) AS active
         FROM api_keys k JOIN users u ON u.id = k.user_id
        WHERE k.prefix = $1`,
      [prefix],
    );
  }

  /** At most once a minute per key, so a busy key does not write on every request. */
  async touch(id: string): Promise<void> {
    await this.sql.count(
      `UPDATE api_keys SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
