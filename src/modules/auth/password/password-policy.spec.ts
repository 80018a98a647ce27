import { loadCommonPasswords, passwordProblems } from './password-policy';

const owner = { email: 'ada.lovelace@example.com', username: 'countess' };

describe('password policy', () => {
  it('ships a common-password list of at least 10 000 entries', () => {
    const list = loadCommonPasswords();
    expect(list.size).toBeGreaterThanOrEqual(10_000);
    expect(list.has('password1234')).toBe(true);
  });

  it('accepts a long, uncommon password', () => {
    expect(passwordProblems('correct horse battery staple', owner)).toEqual([]);
  });

  it.each([
    ['11 characters', 'Abcdefgh12!', 'must be at least 12 characters'],
    ['129 characters', 'x'.repeat(129), 'must be at most 128 characters'],
    ['a common password', 'password1234', 'is a commonly used password'],
    ['a common password in other case', 'PassWord1234', 'is a commonly used password'],
    ['the username', 'my-Countess-2026!', 'must not contain the username'],
    ['the email local part', 'ada.lovelace-rules', 'must not contain the email address'],
  ])('rejects %s', (_case, password, problem) => {
    expect(passwordProblems(password, owner)).toContain(problem);
  });

  it('counts characters, not bytes: 12 emoji are 12 characters', () => {
    expect(passwordProblems('🔒'.repeat(12), owner)).toEqual([]);
  });

  it('accepts exactly 12 and exactly 128 characters', () => {
    expect(passwordProblems('qz7!Lm2#Rt9w', owner)).toEqual([]);
    expect(passwordProblems('qz7!Lm2#'.repeat(16), owner)).toEqual([]);
  });
});
