import { type CasefileContent } from '../casefiles';

/** Tool sessions in a casefile, for its `counts.tool_sessions`. */
export const toolSessionContent: CasefileContent = {
  key: 'tool_sessions',
  countSql: (casefileId) =>
    `(SELECT count(*)::int FROM sessions s WHERE s.casefile_id = ${casefileId} AND s.kind = 'tool')`,
};

/** Chat sessions in a casefile, for its `counts.chat_sessions`. */
export const chatSessionContent: CasefileContent = {
  key: 'chat_sessions',
  countSql: (casefileId) =>
    `(SELECT count(*)::int FROM sessions s WHERE s.casefile_id = ${casefileId} AND s.kind = 'chat')`,
};
