import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { InvalidInputError } from '../errors/domain-error';
import { toBoolean } from './query-transforms';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `?limit=&cursor=&include_total=` of every list (API.md §1.1). */
export class PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  limit?: number;

  /** Opaque; from the previous page's `next_cursor`, for the same sort. */
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  cursor?: string;

  /** Adds `total` (a count over all matching rows: opt-in, it costs a query). */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  include_total?: boolean;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
  has_more: boolean;
  total?: number;
}

/** Where a page ends: the sort key value and id of its last row. */
export interface CursorPosition {
  key: string;
  id: string;
}

export class InvalidCursorError extends InvalidInputError {
  constructor() {
    super('VAL_INVALID_CURSOR', 'The cursor is malformed or was made for another sort');
  }
}

/**
 * Keyset cursors: base64url JSON of the last row's `(sort key, id)` plus the sort they belong
 * to, so a cursor made for one sort (or forged) is refused rather than silently misapplied.
 */
export function encodeCursor(sort: string, position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ s: sort, k: position.key, i: position.id })).toString(
    'base64url',
  );
}

/** A timestamp as PostgreSQL prints it (`2026-11-22 10:00:00.123456+00`) or as ISO 8601. */
const TIMESTAMP_KEY = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$/;

/**
 * `keyKind` says what the sort key is: a timestamp key that is not one would reach the database
 * as a bad cast (a 500), so it is refused here as a bad cursor.
 */
export function decodeCursor(
  sort: string,
  cursor: string,
  keyKind: 'timestamp' | 'text' = 'timestamp',
): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  const { s, k, i } = (parsed ?? {}) as { s?: unknown; k?: unknown; i?: unknown };
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (
    s !== sort ||
    typeof k !== 'string' ||
    (keyKind === 'timestamp' && !TIMESTAMP_KEY.test(k)) ||
    typeof i !== 'string' ||
    !uuid.test(i)
  ) {
    throw new InvalidCursorError();
  }
  return { key: k, id: i };
}

/**
 * Builds a page from `limit + 1` fetched rows: the extra row only says whether there is more.
 */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  sort: string,
  positionOf: (row: Row) => CursorPosition,
  toItem: (row: Row) => Item,
): Page<Item> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(toItem),
    next_cursor: hasMore && last ? encodeCursor(sort, positionOf(last)) : null,
    has_more: hasMore,
  };
}
