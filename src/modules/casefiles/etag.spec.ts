import { InvalidIfMatchError } from './casefiles.errors';
import { etagOf, parseIfMatch } from './etag';

describe('ETag / If-Match', () => {
  it('quotes the version', () => {
    expect(etagOf(12)).toBe('"12"');
  });

  it.each([
    ['"3"', 3],
    ['W/"3"', 3],
    ['3', 3],
    [' "42" ', 42],
    ['*', undefined],
    [undefined, undefined],
  ])('reads %p as %p', (header, version) => {
    expect(parseIfMatch(header)).toBe(version);
  });

  it.each(['"abc"', '"1", "2"', '', '"-1"', '"1234567890"'])('refuses %p', (header) => {
    expect(() => parseIfMatch(header)).toThrow(InvalidIfMatchError);
  });
});
