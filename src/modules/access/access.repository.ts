import { Injectable } from '@nestjs/common';
import { Sql, where } from '../../platform/database/sql';
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
 * The one definition of a user's level on a casefile, as a SQL expression over casefile alias
 * `c` and the bind parameter `user` (e.g. `$2`): `owner` by `owner_id`, else the grant, else null.
 * Every access decision reads it: `levelOf`, the bulk `levelsOf`, and the casefile reads that
 * answer the row and the caller's level in one statement.
 */
export function casefileLevelSql(user: string): string {
  return `CASE WHEN c.owner_id = ${user} THEN 'owner'
            ELSE (SELECT p.level FROM casefile_permissions p
                   WHERE p.casefile_id = c.id AND p.user_id = ${user}) END`;
}

/**
 * The user's level on the live casefile whose id is the SQL expression `casefileId` (a column of
 * another table, e.g. a session's), or NULL: for reads that fetch a thing and the caller's level
 * on its casefile in one statement, then hand the level to `AccessService.assertIncludes`.
 */
export function levelOnCasefileSql(casefileId: string, user: string): string {
  return `(SELECT ${casefileLevelSql(user)} FROM casefiles c
            WHERE c.id = ${casefileId} AND c.deleted_at IS NULL)`;
}

/** Which of a user's casefiles a list asks for. */
export type CasefileRelation = 'owned' | 'shared' | 'all';

/**
 * Where the casefiles a user sees come from, each as `FROM …` text on casefile alias `c` with
 * `terms` applied, and the user's level there: the ones they own, and the ones granted to them.
 * Kept apart (not one OR), so each is a keyset-ordered index scan.
 */
export function visibleCasefileSources(
  relation: CasefileRelation,
  user: string,
  terms: readonly string[],
): { level: string; from: string }[] {
  const sources: { level: string; from: string }[] = [];
  if (relation !== 'shared') {
    sources.push({
      level: "'owner'",
      from: `casefiles c ${where([`c.owner_id = ${user}`, ...terms])}`,
    });
  }
  if (relation !== 'owned') {
    sources.push({
      level: 'p.level',
      from: `casefile_permissions p JOIN casefiles c ON c.id = p.casefile_id
             ${where([`p.user_id = ${user}`, ...terms])}`,
    });
  }
  return sources;
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
      `SELECT ${casefileLevelSql('$2')} AS level
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
      `SELECT c.id, ${casefileLevelSql('$2')} AS level
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
