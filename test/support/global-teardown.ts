import { rmSync } from 'node:fs';
import { TEST_DATABASE_DIR } from './test-database';

export default async function globalTeardown(): Promise<void> {
  await globalThis.casefileHubTestDatabase?.stop();
  rmSync(TEST_DATABASE_DIR, { recursive: true, force: true });
}
