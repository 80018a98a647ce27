import { type FieldError, RequestValidationError } from '../../../platform/errors/system.errors';
import { isA1Range } from './google-ids';
import type { SyncSource } from './sync-job.entity';
import type { SyncSourceParams } from './sync-source.entity';

/**
 * What a pull from `source` takes, checked: `query` for Gmail and Drive, a spreadsheet (required)
 * and A1 ranges for Sheets; anything else is a 400 naming the field.
 */
export function pullParamsOf(dto: SyncSourceParams & { source: SyncSource }): SyncSourceParams {
  const sheets = dto.source === 'sheets';
  const problems: FieldError[] = (sheets ? ['query'] : ['spreadsheet_id', 'ranges'])
    .filter((field) => dto[field as keyof SyncSourceParams] !== undefined)
    .map((field) => ({
      field,
      message: `${field} is only for source ${sheets ? 'gmail or drive' : 'sheets'}`,
    }));
  if (sheets && dto.spreadsheet_id === undefined) {
    problems.push({ field: 'spreadsheet_id', message: 'spreadsheet_id is required for sheets' });
  }
  // each range goes to Google as it is: A1 notation only (google-ids.ts)
  (sheets ? (dto.ranges ?? []) : []).forEach((range, i) => {
    if (isA1Range(range)) return;
    const message = `ranges.${i} must be A1 notation (Sheet1!A1:B2, 'My sheet'!A:A, 1:2, a name)`;
    problems.push({ field: `ranges.${i}`, message });
  });
  if (problems.length > 0) throw new RequestValidationError(problems);
  return { query: dto.query, spreadsheet_id: dto.spreadsheet_id, ranges: dto.ranges };
}
