import type { Type as Class } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { InvalidInputError } from '../../platform/errors/domain-error';
import type { CursorPosition, KeysetRow } from '../../platform/database/keyset';
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

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  @ApiPropertyOptional({
    maxLength: 1000,
    description: "Opaque; the previous page's `next_cursor`, for the same sort",
  })
  cursor?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  @ApiPropertyOptional({
    description: 'Adds `total`, a count over all matching rows (opt-in: it costs a query)',
  })
  include_total?: boolean;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
  has_more: boolean;
  total?: number;
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

/** How one list reads its rows; `paginate()` does the rest. */
export interface KeysetSource<Row extends KeysetRow> {
  /** The sort the list is in (`-created_at`, `title`, …): a cursor works only for its own sort. */
  sort: string;
  /** What the sort key is, so a forged timestamp key is refused before it reaches SQL. */
  keyKind?: 'timestamp' | 'text';
  /** Up to `take` rows after `after` (from the start when undefined), in the list's order. */
  fetch(take: number, after: CursorPosition | undefined): Promise<Row[]>;
  /** Every row the list's filters match (only asked for with `include_total`). */
  count(): Promise<number>;
}

/**
 * Every list of the API (§1.1): limit → cursor → keyset query for `limit + 1` rows (the extra
 * one only says whether there is more) → page, plus `total` when asked for.
 */
export async function paginate<Row, Item>(
  request: PageQuery,
  source: KeysetSource<Row & KeysetRow>,
  toItem: (row: Row) => Item,
): Promise<Page<Item>> {
  const limit = request.limit ?? DEFAULT_PAGE_SIZE;
  const after = request.cursor
    ? decodeCursor(source.sort, request.cursor, source.keyKind)
    : undefined;
  const rows = await source.fetch(limit + 1, after);
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  const page: Page<Item> = {
    items: pageRows.map(toItem),
    next_cursor:
      hasMore && last ? encodeCursor(source.sort, { key: last.cursorKey, id: last.id }) : null,
    has_more: hasMore,
  };
  if (request.include_total) page.total = await source.count();
  return page;
}

/** A list that is never paged (it is short by nature): one page, no cursor. */
export function singlePage<Item>(items: Item[]): Page<Item> {
  return { items, next_cursor: null, has_more: false };
}

const pageDtos = new Map<Class, Class>();

/**
 * The OpenAPI model of a page of `item`, named after it (`UserDto` → `UserPageDto`); one class
 * per item type, so each schema is registered once.
 */
export function PageDto<Item>(item: Class<Item>): Class<Page<Item>> {
  const known = pageDtos.get(item) as Class<Page<Item>> | undefined;
  if (known) return known;
  class ItemPage implements Page<Item> {
    @ApiProperty({ type: [item] }) items!: Item[];
    @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
    @ApiProperty() has_more!: boolean;
    @ApiPropertyOptional({ description: 'Only with include_total=true' }) total?: number;
  }
  Object.defineProperty(ItemPage, 'name', { value: `${item.name.replace(/Dto$/, '')}PageDto` });
  pageDtos.set(item, ItemPage);
  return ItemPage;
}
