import { startDatabaseServer } from '../../src/platform/database/database-server';
import {
  assertTestDatabase,
  TEST_DATABASE_DIR,
  TEST_DATABASE_NAME,
  TEST_DATABASE_URL_VAR,
} from './test-database';

declare global {
  var casefileHubTestDatabase: { stop(): Promise<void> } | undefined;
}

/** One real PostgreSQL for the e2e run: DATABASE_URL when set (a test database), else embedded. */
export default async function globalSetup(): Promise<void> {
  const server = await startDatabaseServer({
    url: process.env.DATABASE_URL,
    dataDir: TEST_DATABASE_DIR,
    database: TEST_DATABASE_NAME,
    ephemeral: true,
  });
  assertTestDatabase(server.url);
  process.env[TEST_DATABASE_URL_VAR] = server.url;
  globalThis.casefileHubTestDatabase = server;
}
