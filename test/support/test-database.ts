import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Client } from 'pg';
import { join } from 'node:path';
import { databaseNameOf } from '../../src/platform/database/data-source-options';

/** Set by the global setup for the test workers: the database every e2e test uses. */
export const TEST_DATABASE_URL_VAR = 'CASEFILE_HUB_TEST_DATABASE_URL';
export const TEST_DATABASE_DIR = join(tmpdir(), `casefile-hub-test-${process.pid}`);
export const TEST_DATABASE_NAME = 'casefile_hub_test';

/**
 * Tests wipe and rewrite data: they refuse any database whose name does not say `test`, unless it
 * is the embedded one this run created.
 */
export function assertTestDatabase(url: string): void {
  const name = databaseNameOf(url);
  if (!name.toLowerCase().includes('test')) {
    throw new Error(
      `refusing to run tests against database "${name}": its name must contain "test" ` +
        '(unset DATABASE_URL to use an embedded PostgreSQL)',
    );
  }
}

export function testDatabaseUrl(): string {
  const url = process.env[TEST_DATABASE_URL_VAR];
  if (!url)
    throw new Error(`${TEST_DATABASE_URL_VAR} is not set: run tests through jest's e2e project`);
  return url;
}

/** A fresh temporary folder that the `postgres` user can traverse when tests run as root. */
export function makeTestDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** A database of its own on the run's server, for tests that need exact global counts. */
export async function createFreshDatabase(
  name: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new Client({ connectionString: testDatabaseUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
