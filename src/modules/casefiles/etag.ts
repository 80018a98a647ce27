import { InvalidIfMatchError } from './casefiles.errors';

export const etagOf = (version: number) => `"${version}"`;

/**
 * The version an `If-Match` header asks for: `"3"` (or `W/"3"`, or a bare `3`); `*` and no header
 * mean any version. A list of tags is refused: a casefile has one current version.
 */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) throw new InvalidIfMatchError();
  return Number(match[1]);
}
