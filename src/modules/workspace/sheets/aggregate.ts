import type { Cell } from './sheet-ranges.repository';

export const AGGREGATE_OPS = ['sum', 'avg', 'min', 'max', 'count'] as const;
export type AggregateOp = (typeof AGGREGATE_OPS)[number];

export interface StoredRange {
  range: string;
  header: string[];
  rows: Cell[][];
}

export interface Aggregate {
  value: number | null;
  /** Numeric cells aggregated. */
  rows: number;
  /** Cells of the column that were not numbers (empty, text, booleans), left out. */
  skipped: number;
}

/** `A` → 0, `Z` → 25, `AA` → 26 (a column letter as an index). */
export function columnIndexOf(letters: string): number {
  return (
    [...letters.toUpperCase()].reduce(
      (index, letter) => index * 26 + letter.charCodeAt(0) - 64,
      0,
    ) - 1
  );
}

/** The first column a range covers (`'Q3'!C2:F9` → C → 2; a whole sheet starts at A). */
function firstColumnOf(range: string): number {
  const cells = range.includes('!') ? range.slice(range.lastIndexOf('!') + 1) : range;
  // A1 notation (`C2:F9`, `C:C`, `$C$2`); a bare sheet name (`Sheet1`) starts at A
  const letters = /^\$?([A-Za-z]{1,3})\$?\d*(?::|$)/.exec(cells)?.[1];
  return letters ? columnIndexOf(letters) : 0;
}

/**
 * A decimal number, matched in time linear in the text: each digit can be taken by one part of
 * the pattern only (`\d+\.?\d*` let two parts share them, quadratic on a long run of digits).
 */
const DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** A cell as a number: numbers, and text that is one (`1,200.50`, ` 42 `); else undefined. */
function numberOf(cell: Cell | undefined): number | undefined {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : undefined;
  if (typeof cell !== 'string') return undefined;
  const text = cell.trim().replace(/,(?=\d{3}\b)/g, '');
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Where `column` is in a range: a header name (exact, else ignoring case), else the letter of a
 * column the range holds (`D`), counted from the range's first column. Undefined when neither.
 */
export function columnOf(range: StoredRange, column: string): number | undefined {
  const exact = range.header.indexOf(column);
  if (exact >= 0) return exact;
  const folded = range.header.findIndex(
    (name) => name.trim().toLowerCase() === column.trim().toLowerCase(),
  );
  if (folded >= 0) return folded;
  if (!/^[A-Za-z]{1,3}$/.test(column)) return undefined;
  // a letter of a column the range holds (a word like "Tax" is a column too, far to the right)
  // a loop, not Math.max(...rows): spreading 200 000 rows overflows the stack
  const width = range.rows.reduce(
    (widest, row) => Math.max(widest, row.length),
    range.header.length,
  );
  const index = columnIndexOf(column) - firstColumnOf(range.range);
  return index >= 0 && index < width ? index : undefined;
}

/** `op` over the numeric cells of `column` in the ranges that have it. */
export function aggregate(
  ranges: readonly StoredRange[],
  column: string,
  op: AggregateOp,
): Aggregate | undefined {
  const numbers: number[] = [];
  let skipped = 0;
  let found = false;
  for (const range of ranges) {
    const index = columnOf(range, column);
    if (index === undefined) continue;
    found = true;
    for (const row of range.rows) {
      const value = numberOf(row[index]);
      if (value === undefined) skipped++;
      else numbers.push(value);
    }
  }
  if (!found) return undefined;
  const sum = numbers.reduce((total, n) => total + n, 0);
  const value =
    op === 'count'
      ? numbers.length
      : numbers.length === 0
        ? null
        : op === 'sum'
          ? sum
          : op === 'avg'
            ? sum / numbers.length
            : op === 'min'
              ? numbers.reduce((least, n) => Math.min(least, n))
              : numbers.reduce((most, n) => Math.max(most, n));
  return { value, rows: numbers.length, skipped };
}
