import { decodeCursor, encodeCursor, InvalidCursorError, toPage } from './pagination';

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

  it('toPage uses the extra row only to know there is more', () => {
    const rows = [1, 2, 3].map((n) => ({ n, id }));
    const page = toPage(
      rows,
      2,
      'n',
      (r) => ({ key: String(r.n), id: r.id }),
      (r) => r.n,
    );
    expect(page.items).toEqual([1, 2]);
    expect(page.has_more).toBe(true);
    expect(decodeCursor('n', page.next_cursor!, 'text')).toEqual({ key: '2', id });
    const last = toPage(
      rows,
      3,
      'n',
      (r) => ({ key: String(r.n), id: r.id }),
      (r) => r.n,
    );
    expect(last).toEqual({ items: [1, 2, 3], next_cursor: null, has_more: false });
  });
});
