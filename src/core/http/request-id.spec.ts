import { acceptOrCreateRequestId } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('acceptOrCreateRequestId', () => {
  it.each(['a', 'abc-DEF_123.x', 'a'.repeat(128), '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'])(
    'keeps the valid id %s',
    (id) => {
      expect(acceptOrCreateRequestId(id)).toBe(id);
    },
  );

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['129 characters', 'a'.repeat(129)],
    ['a space', 'a b'],
    ['a newline (log injection)', 'abc\ninjected'],
    ['a colon', 'a:b'],
    ['non-ASCII', 'é'],
  ])('replaces an id that is %s with a fresh UUID', (_case, id) => {
    expect(acceptOrCreateRequestId(id)).toMatch(UUID);
  });

  it('uses the first value of a repeated header', () => {
    expect(acceptOrCreateRequestId(['first', 'second'])).toBe('first');
  });

  it('makes a different id each time', () => {
    expect(acceptOrCreateRequestId(undefined)).not.toBe(acceptOrCreateRequestId(undefined));
  });
});
