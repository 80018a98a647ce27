import { type CasefileContent } from '../casefiles';

/** What the workspace module keeps in a casefile, for its `counts`. */
export const workspaceContents: CasefileContent[] = [
  {
    key: 'gmail_messages',
    countSql: (casefileId) =>
      `(SELECT count(*)::int FROM gmail_messages m WHERE m.casefile_id = ${casefileId} AND m.removed_at IS NULL)`,
  },
  {
    key: 'drive_files',
    countSql: (casefileId) =>
      `(SELECT count(*)::int FROM drive_files f WHERE f.casefile_id = ${casefileId} AND f.removed_at IS NULL)`,
  },
  {
    key: 'sheets',
    countSql: (casefileId) =>
      `(SELECT count(*)::int FROM sheet_ranges s WHERE s.casefile_id = ${casefileId} AND s.removed_at IS NULL)`,
  },
];
