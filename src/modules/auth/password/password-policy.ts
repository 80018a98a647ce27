import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/** The bundled list (49 233 public common passwords, lower-cased), loaded once. */
let commonPasswords: ReadonlySet<string> | undefined;
export function loadCommonPasswords(): ReadonlySet<string> {
  commonPasswords ??= new Set(
    gunzipSync(readFileSync(join(__dirname, 'common-passwords.txt.gz')))
      .toString('utf8')
      .split('\n')
      .filter(Boolean),
  );
  return commonPasswords;
}

export interface PasswordOwner {
  email: string;
  username: string;
}

/**
 * API.md §3: 12–128 characters, not in the common-password list, not containing the username or
 * the email's local part. Returns the broken rules (empty when the password is acceptable).
 */
export function passwordProblems(password: string, owner: PasswordOwner): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH)
    problems.push(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
  if (length > PASSWORD_MAX_LENGTH)
    problems.push(`must be at most ${PASSWORD_MAX_LENGTH} characters`);
  const lower = password.toLowerCase();
  if (loadCommonPasswords().has(lower)) problems.push('is a commonly used password');
  const localPart = owner.email.split('@')[0].toLowerCase();
  const username = owner.username.toLowerCase();
  if (username.length >= 3 && lower.includes(username))
    problems.push('must not contain the username');
  if (localPart.length >= 3 && lower.includes(localPart)) {
    problems.push('must not contain the email address');
  }
  return problems;
}
