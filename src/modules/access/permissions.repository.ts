import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import type { GrantableLevel, PermissionLevel } from './permission-level';

/** One row of a casefile's access list: the owner or a grant. */
export interface AccessEntry {
  userId: string;
  username: string;
  level: PermissionLevel;
  grantedBy: string | null;
  grantedAt: Date;
}

interface AccessEntryRow {
  user_id: string;
  username: string;
  level: PermissionLevel;
  granted_by: string | null;
  granted_at: Date;
}

function toEntry(row: AccessEntryRow): AccessEntry {
  return {
    userId: row.user_id,
    username: row.username,
    level: row.level,
    grantedBy: row.granted_by,
    grantedAt: row.granted_at,
  };
}

/**
 * Grants live in `casefile_permissions`; the owner is `casefiles.owner_id`. Every read here is one
 * indexed query and nothing is cached, so a revocation holds from the very next request.
 */
@Injectable()
export class PermissionsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /**
   * The user's level on a live casefile: `null` when they have none, `undefined` when the
   * casefile does not exist or is deleted.
   */
  async levelOf(userId: string, casefileId: string): Promise<PermissionLevel | null | undefined> {
    const rows = await this.txHost.tx.query<{ level: PermissionLevel | null }[]>(
      `SELECT CASE WHEN c.owner_id = $2 THEN 'owner' ELSE p.level END AS level
         FROM casefiles c
         LEFT JOIN casefile_permissions p ON p.casefile_id = c.id AND p.user_id = $2
        WHERE c.id = $1 AND c.deleted_at IS NULL`,
      [casefileId, userId],
    );
    return rows[0]?.level;
  }

  /** Creates or changes a grant and answers it as listed. */
  async upsert(
    casefileId: string,
    userId: string,
    level: GrantableLevel,
    grantedBy: string,
  ): Promise<AccessEntry> {
    const [row] = await this.txHost.tx.query<AccessEntryRow[]>(
      `WITH grant_row AS (
         INSERT INTO casefile_permissions (casefile_id, user_id, level, granted_by)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (casefile_id, user_id)
           DO UPDATE SET level = EXCLUDED.level, granted_by = EXCLUDED.granted_by, granted_at = now()
         RETURNING user_id, level, granted_by, granted_at)
       SELECT g.user_id, u.username, g.level, g.granted_by, g.granted_at
         FROM grant_row g JOIN users u ON u.id = g.user_id`,
      [casefileId, userId, level, grantedBy],
    );
    return toEntry(row);
  }

  /** Whether there was a grant to remove. */
  async delete(casefileId: string, userId: string): Promise<boolean> {
    const [, count] = await this.txHost.tx.query<[unknown[], number]>(
      'DELETE FROM casefile_permissions WHERE casefile_id = $1 AND user_id = $2',
      [casefileId, userId],
    );
    return count > 0;
  }

  /** The owner first, then the grants, oldest first. */
  async list(casefileId: string): Promise<AccessEntry[]> {
    const rows = await this.txHost.tx.query<AccessEntryRow[]>(
      `SELECT user_id, username, level, granted_by, granted_at FROM (
         SELECT u.id AS user_id, u.username, 'owner' AS level, NULL::uuid AS granted_by,
                c.owner_since AS granted_at, 0 AS position
           FROM casefiles c JOIN users u ON u.id = c.owner_id
          WHERE c.id = $1
         UNION ALL
         SELECT p.user_id, u.username, p.level, p.granted_by, p.granted_at, 1
           FROM casefile_permissions p JOIN users u ON u.id = p.user_id
          WHERE p.casefile_id = $1
       ) entries
       ORDER BY position, granted_at, user_id`,
      [casefileId],
    );
    return rows.map(toEntry);
  }
}
