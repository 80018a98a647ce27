/**
 * What the Google identifiers a sync job sends look like, and the one way any of them goes into a
 * URL path. `new URL()` resolves `.` and `..` segments (also `%2e%2e`) and `encodeURIComponent`
 * leaves dots alone, so an id of `..` would move a request to another path of Google's host.
 */

/** Google's spreadsheet ids: letters, digits, `-` and `_` (44 characters today). */
export const SPREADSHEET_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Gmail's message ids are hex today; anything outside this alphabet is not one. */
const GMAIL_MESSAGE_ID = /^[A-Za-z0-9_-]{1,256}$/;

/** `'…'` with `''` for a quote: any sheet name but an empty one or one with control characters. */
const QUOTED_NAME = String.raw`'(?:[^'\p{Cc}]|'')+'`;
/**
 * Unquoted: letters, digits, `_` first, then also `.`, `-` and inner spaces (`Class Data`). Any
 * other name is quoted — which keeps `%`, `/`, `?`, `#` and dot-only names out of bare text.
 */
const BARE_NAME = String.raw`[\p{L}\p{N}_](?:[\p{L}\p{N}_.-]| (?=[\p{L}\p{N}_.-]))*`;
const CELL = String.raw`(?:[A-Za-z]{1,3}[1-9][0-9]{0,6}|[A-Za-z]{1,3}|[1-9][0-9]{0,6})`;
/** A1 notation: `A1`, `A1:B2`, `A:A`, `1:2`, `A2:E`. */
const CELLS = `${CELL}(?::${CELL})?`;
const NAME = `(?:${QUOTED_NAME}|${BARE_NAME})`;
/** `Sheet!cells`, or cells alone, or a sheet name or named range alone. */
const A1_RANGE = new RegExp(`^(?:${NAME}!${CELLS}|${CELLS}|${NAME})$`, 'u');

export const isSpreadsheetId = (id: string): boolean => SPREADSHEET_ID.test(id);
export const isGmailMessageId = (id: string): boolean => GMAIL_MESSAGE_ID.test(id);
export const isA1Range = (range: string): boolean => A1_RANGE.test(range);

/** A value that cannot be a path segment: `.`, `..` (in any spelling) or empty. */
export class UnsafePathSegmentError extends Error {
  constructor() {
    super('An identifier sent to Google is not a path segment (".", ".." or empty)');
  }
}

/** A path on a Google API host; only `googlePath` makes one. */
export type GooglePath = string & { readonly __brand: 'GooglePath' };

/** One path segment: percent-encoded, and never one that URL resolution would act on. */
function pathSegment(value: string): string {
  const encoded = encodeURIComponent(value);
  if (encoded === '' || /^(?:\.|%2e){1,2}$/i.test(encoded)) throw new UnsafePathSegmentError();
  return encoded;
}

/**
 * ``googlePath`v4/spreadsheets/${id}/values/${range}` ``: the literal text as written, each value
 * one encoded segment, so a value can neither add segments nor climb out of the path.
 */
export function googlePath(literals: TemplateStringsArray, ...segments: string[]): GooglePath {
  return literals.reduce(
    (path, literal, i) => path + pathSegment(segments[i - 1]) + literal,
  ) as GooglePath;
}
