import { aggregate, columnIndexOf, columnOf } from './aggregate';

const range = (name: string, header: string[], rows: (string | number | boolean)[][]) => ({
  range: name,
  header,
  rows,
});

describe('sheets aggregate', () => {
  it('reads column letters as indexes, from A', () => {
    expect(['A', 'Z', 'AA', 'AZ', 'BA', 'zz'].map(columnIndexOf)).toEqual([0, 25, 26, 51, 52, 701]);
  });

  it('finds a column by header (exact first, then ignoring case) or by letter from the range start', () => {
    const r = range("'Q3 costs'!C4:F9", ['Vendor', 'amount', 'Amount'], [['a', 1, 2, 3]]);
    expect(columnOf(r, 'Amount')).toBe(2);
    expect(columnOf(r, 'AMOUNT')).toBe(1);
    expect(columnOf(r, 'C')).toBe(0);
    expect(columnOf(r, 'e')).toBe(2);
    expect(columnOf(r, 'F')).toBe(3);
    expect(columnOf(r, 'G')).toBeUndefined(); // right of it
    expect(columnOf(r, 'B')).toBeUndefined(); // left of the range
    expect(columnOf(r, 'Tax')).toBeUndefined();
    expect(columnOf(range('Sheet1', ['x'], []), 'A')).toBe(0);
  });

  it('aggregates numbers and numeric text; skips and counts the rest', () => {
    const r = range(
      'A1:B6',
      ['Item', 'Cost'],
      [
        ['a', 10],
        ['b', ' 2.5 '],
        ['c', '1,000'],
        ['d', 'n/a'],
        ['e', true],
        ['f', ''],
        ['g'],
        ['h', '-4e1'],
      ],
    );
    expect(aggregate([r], 'Cost', 'sum')).toEqual({ value: 972.5, rows: 4, skipped: 4 });
    expect(aggregate([r], 'Cost', 'min')).toEqual({ value: -40, rows: 4, skipped: 4 });
    expect(aggregate([r], 'Cost', 'max')).toEqual({ value: 1000, rows: 4, skipped: 4 });
    expect(aggregate([r], 'Cost', 'avg')?.value).toBeCloseTo(243.125);
    expect(aggregate([r], 'Cost', 'count')).toEqual({ value: 4, rows: 4, skipped: 4 });
    expect(aggregate([r], 'Item', 'sum')).toEqual({ value: null, rows: 0, skipped: 8 });
    expect(aggregate([r], 'Missing', 'sum')).toBeUndefined();
  });

  it('spans the ranges of a spreadsheet that have the column', () => {
    const a = range('A1:B2', ['Name', 'Cost'], [['x', 1]]);
    const b = range('D1:E2', ['Cost', 'Other'], [[2, 'y']]);
    const c = range('G1:G2', ['Else'], [['z']]);
    expect(aggregate([a, b, c], 'Cost', 'sum')).toEqual({ value: 3, rows: 2, skipped: 0 });
  });

  // issue 21: a 30 000-digit cell ending in `x` held the event loop for 3.9 s
  it('reads a 50 000-character cell in time linear in it, never backtracking over its digits', () => {
    // Relative, not absolute: ten times the length may take about ten times as long (a quadratic
    // parser takes a hundred times as long). Best of three runs each, so one GC pause does not decide.
    const bestOf3 = (digits: number): number => {
      const cell = `${'1'.repeat(digits)}x`;
      let best = Infinity;
      for (let run = 0; run < 3; run += 1) {
        const started = performance.now();
        const result = aggregate([range('A1:A2', ['n'], [[cell]])], 'n', 'sum');
        best = Math.min(best, performance.now() - started);
        expect(result).toEqual({ value: null, rows: 0, skipped: 1 });
      }
      return best;
    };
    const short = bestOf3(5_000);
    const long = bestOf3(50_000);
    expect(long).toBeLessThan(short * 30 + 25);
  });

  it('aggregates 300 000 rows: min, max and the column width without spreading arguments', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => [i % 7 === 0 ? 'n/a' : i]);
    const ranges = [range('A1:A300001', ['n'], rows)];
    expect(columnOf(ranges[0], 'A')).toBe(0);
    expect(aggregate(ranges, 'n', 'min')).toMatchObject({ value: 1 });
    expect(aggregate(ranges, 'n', 'max')).toMatchObject({ value: 299_998 }); // 299 999 is a multiple of 7
  });
});
