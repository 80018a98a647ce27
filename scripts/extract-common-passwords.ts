import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * Writes the common-password list the password policy ships with, from the public list in
 * @zxcvbn-ts/language-common (a devDependency: the service itself never fetches or imports it).
 * One lower-cased password per line, gzipped. Run again only to refresh the list.
 */
const passwords = [...new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()))];
const target = join(
  __dirname,
  '..',
  'src',
  'modules',
  'auth',
  'password',
  'common-passwords.txt.gz',
);
writeFileSync(target, gzipSync(`${passwords.join('\n')}\n`, { level: 9 }));
console.log(`wrote ${passwords.length} passwords to ${target}`);
