import { Injectable } from '@nestjs/common';
import { Sql } from '../../platform/database/sql';
import { casefileLevel } from './access.sql';
import type { CasefilePermissionEntity } from './casefile-permission.entity';
import type { GrantableLevel, PermissionLevel } from './permission-level';

/** One row of a casefile's access list: the owner or a grant. */
export interface AccessEntry {
  userId: string;
  level: PermissionLevel;
  grantedBy: CasefilePermissionEntity['grantedBy'];
  grantedAt: Date;
}

/**
 * Grants live in `casefile_permissions`; the owner is `casefiles.owner_id`. Every read here is one
 * indexed query and nothing is cached, so a revocation holds from the very next request.
 */
@Injectable()
export class AccessRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * The user's level on a live casefile: `null` when they have none, `undefined` when the
   * casefile does not exist or is deleted.
   */
  async levelOf(userId: string, casefileId: string): Promise<PermissionLevel | null | undefined> {
    const row = await this.sql.one<{ level: PermissionLevel | null }>(
      `SELECT ${casefileLevel.ofRow('c', '$2')} AS level
         FROM casefiles c WHERE c.id = $1 AND c.deleted_at IS NULL`,
      [casefileId, userId],
    );
    return row?.level;
  }

  /** The user's level on each live casefile of `casefileIds` (absent: no such live casefile). */
  async levelsOf(
    userId: string,
    casefileIds: readonly string[],
  ): Promise<Map<string, PermissionLevel | null>> {
    const rows = await this.sql.rows<{ id: string; level: PermissionLevel | null }>(
      `SELECT c.id, ${casefileLevel.ofRow('c', '$2')} AS level
         FROM casefiles c WHERE c.id = ANY($1::uuid[]) AND c.deleted_at IS NULL`,
      [casefileIds, userId],
    );
    return new Map(rows.map((row) => [row.id, row.level]));
  }

  /** Creates or changes a grant and answers it as listed. */
  async upsert(
    casefileId: string,
    userId: string,
    level: GrantableLevel,
    grantedBy: string,
  ): Promise<AccessEntry> {
    const row = await this.sql.one<AccessEntry>(
      `INSERT INTO casefile_permissions (casefile_id, user_id, level, granted_by)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (casefile_id, user_id)
         DO UPDATE SET level = EXCLUDED.level, granted_by = EXCLUDED.granted_by, granted_at = now()
       RETURNING user_id AS "userId", level, granted_by AS "grantedBy", granted_at AS "grantedAt"`,
      [casefileId, userId, level, grantedBy],
    );
    return row as AccessEntry;
  }

  /** Whether there was a grant to remove. */
  async delete(casefileId: string, userId: string): Promise<boolean> {
    const count = await this.sql.count(
      'DELETE FROM casefile_permissions WHERE casefile_id = $1 AND user_id = $2',
      [casefileId, userId],
    );
    return count > 0;
  }

  /** The owner first, then the grants, oldest first. */
  list(casefileId: string): Promise<AccessEntry[]> {
    return this.sql.rows<AccessEntry>(
      `SELECT "userId", level, "grantedBy", "grantedAt" FROM (
         SELECT c.owner_id AS "userId", 'owner' AS level, NULL::uuid AS "grantedBy",
                c.owner_since AS "grantedAt", 0 AS position
           FROM casefiles c WHERE c.id = $1
         UNION ALL
         SELECT p.user_id, p.level, p.granted_by, p.granted_at, 1
           FROM casefile_permissions p WHERE p.casefile_id = $1
       ) entries
       ORDER BY position, "grantedAt", "userId"`,
      [casefileId],
    );
  }
}
