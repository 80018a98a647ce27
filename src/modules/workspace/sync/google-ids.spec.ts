import {
  googlePath,
  isA1Range,
  isGmailMessageId,
  isSpreadsheetId,
  UnsafePathSegmentError,
} from './google-ids';

describe('Google identifiers', () => {
  it.each([
    'A1',
    'A1:B2',
    'A:A',
    '1:2',
    'A2:E',
    'Sheet1',
    'Sheet1!A1:B2',
    'Class Data!A2:E',
    'Q1_costs.v2!C:C',
    'Données!1:1',
    "'Q1 costs'",
    "'Q1 costs'!A1:F200",
    "'Bob''s sheet'!A:A",
    "'..'!A1",
    "'a/b?c#d'",
    'my_named_range',
  ])('takes the A1 range %j', (range) => {
    expect(isA1Range(range)).toBe(true);
  });

  it.each([
    '',
    '.',
    '..',
    '%2e%2e',
    '%2E.',
    '../x',
    'a/b',
    'Sheet1!',
    '!A1',
    'Sheet1!A1:B2?x',
    'Sheet1!A1#x',
    'Sheet1!A1:',
    'Sheet1!../x',
    "Bob's!A1",
    "'unclosed!A1",
    "'a'b'!A1",
    "''!A1",
    'tab\there',
    'line\nbreak!A1',
    ' Sheet1',
    'Sheet1!A1 ',
    'A1!B2!C3',
    'a !A1',
    'Two  spaces',
  ])('refuses %j', (range) => {
    expect(isA1Range(range)).toBe(false);
  });

  it('takes spreadsheet ids and Gmail ids of their alphabet only', () => {
    expect(isSpreadsheetId('1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms')).toBe(true);
    expect(isSpreadsheetId('sheet-1_x')).toBe(true);
    for (const id of ['', '.', '..', '%2e%2e', 'a/b', 'a b', 'x'.repeat(129)]) {
      expect(isSpreadsheetId(id)).toBe(false);
    }
    expect(isGmailMessageId('18c2f1e0a9b3d4e5')).toBe(true);
    for (const id of ['', '..', 'a/b', '%2e', 'a.b']) expect(isGmailMessageId(id)).toBe(false);
  });

  describe('googlePath', () => {
    it('encodes each value as one path segment', () => {
      expect(googlePath`v4/spreadsheets/${'abc'}/values/${"'Q1 costs'!A1:B2"}`).toBe(
        "v4/spreadsheets/abc/values/'Q1%20costs'!A1%3AB2",
      );
      expect(googlePath`x/${'a/b?c#d'}`).toBe('x/a%2Fb%3Fc%23d');
      // a percent sign is encoded, so an encoded dot stays a literal text
      expect(googlePath`x/${'%2e%2e'}`).toBe('x/%252e%252e');
    });

    it('refuses a value that would be a dot segment or empty', () => {
      for (const value of ['.', '..', '']) {
        expect(() => googlePath`v4/spreadsheets/${value}`).toThrow(UnsafePathSegmentError);
      }
    });

    it('keeps a URL built from it under its path', () => {
      const base = 'https://sheets.googleapis.com/';
      for (const id of ['..', '.', '%2e%2e', '%2E.', '../..', 'a/../../b']) {
        let path: string;
        try {
          path = googlePath`v4/spreadsheets/${id}/values/${id}`;
        } catch (error) {
          expect(error).toBeInstanceOf(UnsafePathSegmentError);
          continue;
        }
        expect(new URL(path, base).pathname).toMatch(/^\/v4\/spreadsheets\/[^/]+\/values\/[^/]+$/);
      }
    });
  });
});
