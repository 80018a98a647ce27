import type { Cell } from './sheet-ranges.repository';

/** A Sheets `ValueRange`, as far as the import reads it (google-resources.ts checks it). */
export interface ValueRange {
  range: string;
  majorDimension?: string;
  values?: Cell[][];
}

/** Rows of a ValueRange (columns turned into rows when it came by column). */
export function rowsOf(range: ValueRange): Cell[][] {
  const values = range.values ?? [];
  if (range.majorDimension !== 'COLUMNS') return values;
  const width = Math.max(0, ...values.map((column) => column.length));
  return Array.from({ length: width }, (_, row) => values.map((column) => column[row] ?? ''));
}
