import {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
  PageDto,
  paginate,
} from './pagination';

const id = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

describe('cursors', () => {
  it('round-trips a position for the same sort', () => {
    const cursor = encodeCursor('-created_at', { key: '2026-11-22T10:00:00.000Z', id });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('-created_at', cursor)).toEqual({ key: '2026-11-22T10:00:00.000Z', id });
  });

  it.each([
    ['made for another sort', encodeCursor('created_at', { key: 'x', id })],
    ['not base64 JSON', 'definitely-not-a-cursor'],
    ['JSON of the wrong shape', Buffer.from('{"s":"-created_at"}').toString('base64url')],
    ['a non-uuid id', encodeCursor('-created_at', { key: 'x', id: "1' OR '1'='1" })],
    ['JSON null', Buffer.from('null').toString('base64url')],
    ['a timestamp key that is not a time', encodeCursor('-created_at', { key: "now()'", id })],
  ])('refuses a cursor %s with VAL_INVALID_CURSOR', (_case, cursor) => {
    expect(() => decodeCursor('-created_at', cursor)).toThrow(InvalidCursorError);
  });

  it('accepts timestamps as PostgreSQL prints them and as ISO 8601', () => {
    for (const key of [
      '2026-11-22 10:00:00.123456+00',
      '2026-11-22T10:00:00.000Z',
      '2026-11-22 10:00:00+05:30',
    ]) {
      expect(decodeCursor('-at', encodeCursor('-at', { key, id }))).toEqual({ key, id });
    }
  });
});

describe('paginate', () => {
  const rows = [1, 2, 3, 4, 5].map((n) => ({ n, id, cursorKey: String(n) }));
  /** A list over `rows` that records what paginate asked of it. */
  const sourceOver = () => {
    const calls = { fetch: [] as [number, unknown][], count: 0 };
    const source = {
      sort: 'n',
      keyKind: 'text' as const,
      fetch: (take: number, after: { key: string } | undefined) => {
        calls.fetch.push([take, after]);
        const start = after ? Number(after.key) : 0;
        return Promise.resolve(rows.slice(start, start + take));
      },
      count: () => {
        calls.count++;
        return Promise.resolve(rows.length);
      },
    };
    return { source, calls };
  };

  it('fetches one row more than the limit, and uses it only to know there is more', async () => {
    const { source, calls } = sourceOver();
    const page = await paginate({ limit: 2 }, source, (r) => r.n);
    expect(calls.fetch).toEqual([[3, undefined]]);
    expect(page).toEqual({ items: [1, 2], next_cursor: expect.any(String), has_more: true });
    expect(decodeCursor('n', page.next_cursor!, 'text')).toEqual({ key: '2', id });
    expect(calls.count).toBe(0);
  });

  it('walks every row exactly once through the cursors, the last page without one', async () => {
    const { source } = sourceOver();
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await paginate({ limit: 2, cursor }, source, (r) => r.n);
      seen.push(...page.items);
      if (!page.next_cursor) {
        expect(page.has_more).toBe(false);
        break;
      }
      cursor = page.next_cursor;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('counts only with include_total, and defaults the limit to 20', async () => {
    const { source, calls } = sourceOver();
    const page = await paginate({ include_total: true }, source, (r) => r.n);
    expect(page.total).toBe(5);
    expect(calls.fetch[0][0]).toBe(DEFAULT_PAGE_SIZE + 1);
  });

  it("refuses another sort's cursor before fetching anything", async () => {
    const { source, calls } = sourceOver();
    const foreign = encodeCursor('-n', { key: '2', id });
    await expect(paginate({ cursor: foreign }, source, (r) => r.n)).rejects.toThrow(
      InvalidCursorError,
    );
    expect(calls.fetch).toEqual([]);
  });
});

describe('PageDto', () => {
  class ThingDto {}

  it('is one class per item type, named after it', () => {
    expect(PageDto(ThingDto)).toBe(PageDto(ThingDto));
    expect(PageDto(ThingDto).name).toBe('ThingPageDto');
  });
});
