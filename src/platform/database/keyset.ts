import type { SqlParams } from './sql';

/** Where a page ends: the sort key value and id of its last row. */
export interface CursorPosition {
  key: string;
  id: string;
}

/** A row of a keyset list: its id and its sort key as text (both go into the cursor). */
export interface KeysetRow {
  id: string;
  cursorKey: string;
}

/**
 * The keyset condition of the page after `after` (none for the first page): rows past it on
 * `(key, id)` in the list's order. `key` and `id` are column expressions; `keyType` casts the
 * cursor's key (it arrives as text).
 */
export function keysetAfter(
  columns: { key: string; id: string; keyType?: string },
  after: CursorPosition | undefined,
  direction: 'asc' | 'desc',
  params: SqlParams,
): string[] {
  if (!after) return [];
  const comparison = direction === 'desc' ? '<' : '>';
  const key = `${params.bind(after.key)}::${columns.keyType ?? 'timestamptz'}`;
  return [`(${columns.key}, ${columns.id}) ${comparison} (${key}, ${params.bind(after.id)}::uuid)`];
}
