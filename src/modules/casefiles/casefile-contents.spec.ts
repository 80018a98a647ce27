import { CASEFILE_COUNT_KEYS, type CasefileContent, countsSql } from './casefile-contents';

const content = (key: CasefileContent['key']): CasefileContent => ({
  key,
  countSql: (id) => `(SELECT count(*) FROM ${key} WHERE casefile_id = ${id})`,
});

describe('countsSql', () => {
  it("answers every key in the API's order, whatever order the modules provided them in", () => {
    const sql = countsSql([...CASEFILE_COUNT_KEYS].reverse().map(content))('c');
    const keys = [...sql.matchAll(/'(\w+)', /g)].map((match) => match[1]);
    expect(keys).toEqual([...CASEFILE_COUNT_KEYS]);
    expect(sql).toContain('(SELECT count(*) FROM sheets WHERE casefile_id = c.id)');
    expect(sql.endsWith('AS counts')).toBe(true);
  });

  it('stops the start-up when a key has no provider (a module left out of the app)', () => {
    expect(() => countsSql(CASEFILE_COUNT_KEYS.slice(1).map(content))).toThrow(
      'casefile counts without a provider: tool_sessions',
    );
  });

  it('stops the start-up when two modules claim one key', () => {
    expect(() => countsSql([...CASEFILE_COUNT_KEYS.map(content), content('sheets')])).toThrow(
      'casefile count sheets provided twice',
    );
  });
});
