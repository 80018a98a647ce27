import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderErrorCodesMarkdown } from '../src/platform/errors/error-codes.doc';

const target = join(__dirname, '..', 'docs', 'ERROR_CODES.md');
writeFileSync(target, renderErrorCodesMarkdown());
console.log(`wrote ${target}`);
