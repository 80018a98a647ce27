import { where } from '../../platform/database/sql';

/**
 * The access rule of casefiles as SQL, published once for the repositories of other modules that
 * read a thing and the caller's level on its casefile in one statement. Every argument is SQL text
 * naming a column (`s.casefile_id`) or a bind parameter (`$2`), never a value; every alias a
 * fragment relies on is passed in, none is assumed.
 */
export const casefileLevel = {
  /**
   * `user`'s level on the casefile row aliased `casefile`: `owner` by `owner_id`, else the grant,
   * else NULL.
   */
  ofRow(casefile: string, user: string): string {
    return `CASE WHEN ${casefile}.owner_id = ${user} THEN 'owner'
              ELSE (SELECT p.level FROM casefile_permissions p
                     WHERE p.casefile_id = ${casefile}.id AND p.user_id = ${user}) END`;
  },

  /**
   * `user`'s level on the live casefile whose id is `casefileId` (a column of another table, e.g.
   * a session's), or NULL: then `AccessService.assertIncludes` decides with it.
   */
  ofId(casefileId: string, user: string): string {
    return `(SELECT ${casefileLevel.ofRow('c', user)} FROM casefiles c
              WHERE c.id = ${casefileId} AND c.deleted_at IS NULL)`;
  },
};

/** Which of a user's casefiles a list asks for. */
export type CasefileRelation = 'owned' | 'shared' | 'all';

/**
 * Where the casefiles `user` sees come from, each as `FROM …` text with the casefile row aliased
 * `casefile` and `terms` (over that alias) applied, and the user's level there: the ones they
 * own, and the ones granted to them. Kept apart (not one OR), so each is a keyset-ordered index
 * scan.
 */
export function visibleCasefileSources(
  relation: CasefileRelation,
  { casefile, user, terms }: { casefile: string; user: string; terms: readonly string[] },
): { level: string; from: string }[] {
  const sources: { level: string; from: string }[] = [];
  if (relation !== 'shared') {
    sources.push({
      level: "'owner'",
      from: `casefiles ${casefile} ${where([`${casefile}.owner_id = ${user}`, ...terms])}`,
    });
  }
  if (relation !== 'owned') {
    sources.push({
      level: 'p.level',
      from: `casefile_permissions p JOIN casefiles ${casefile} ON ${casefile}.id = p.casefile_id
             ${where([`p.user_id = ${user}`, ...terms])}`,
    });
  }
  return sources;
}
