import { ERROR_CODES, type ErrorCode } from './error-codes';

/** docs/ERROR_CODES.md, rendered from the catalogue (`npm run docs:errors` writes it). */
export function renderErrorCodesMarkdown(): string {
  const rows = (Object.keys(ERROR_CODES) as ErrorCode[])
    .sort((a, b) => ERROR_CODES[a].status - ERROR_CODES[b].status || a.localeCompare(b))
    .map((code) => `| ${ERROR_CODES[code].status} | \`${code}\` | ${ERROR_CODES[code].meaning} |`);
  return [
    '# Error codes',
    '',
    'Every error response is the envelope `{"data": null, "meta": {…}, "errors": [{code, message, details?}]}`.',
    'Clients branch on `code`, never on `message`; the OpenAPI document lists the codes each status can carry.',
    '',
    'Generated from `src/platform/errors/error-codes.ts` by `npm run docs:errors`; a unit test fails when',
    'this file and the code drift apart.',
    '',
    '| status | code | meaning |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
