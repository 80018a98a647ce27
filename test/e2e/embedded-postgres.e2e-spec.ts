import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../../src/platform/database/embedded-postgres';
import {
  installedDistribution,
  SHARED_ROOT,
} from '../../src/platform/database/embedded-postgres.platform';

const asRoot = process.getuid?.() === 0;
const sharedEntries = () => (existsSync(SHARED_ROOT) ? readdirSync(SHARED_ROOT) : []);

/**
 * A newcomer who is root clones into a private folder (mode 700, as /root is): both the data
 * folder and the PostgreSQL binaries (in its node_modules) are out of the `postgres` user's reach.
 */
(asRoot ? describe : describe.skip)('embedded PostgreSQL as root in a private folder', () => {
  let home: string;
  let before: Set<string>;
  let postgres: EmbeddedPostgres | undefined;

  beforeAll(() => {
    before = new Set(sharedEntries());
    home = mkdtempSync(join(tmpdir(), 'casefile-hub-private-'));
    chmodSync(home, 0o700);
    cpSync(installedDistribution(), join(home, 'node_modules-copy'), {
      recursive: true,
      verbatimSymlinks: true,
    });
  });

  afterAll(async () => {
    await postgres?.stop();
    rmSync(home, { recursive: true, force: true });
    for (const entry of sharedEntries()) {
      if (!before.has(entry)) rmSync(join(SHARED_ROOT, entry), { recursive: true, force: true });
    }
  });

  it('starts anyway, running from shared copies of what postgres cannot reach, and serves SQL', async () => {
    const logs: string[] = [];
    postgres = new EmbeddedPostgres({
      dir: join(home, 'data', 'postgres'),
      database: 'casefile_hub_test_private',
      distribution: join(home, 'node_modules-copy'),
      ephemeral: true,
      log: (message) => logs.push(message),
    });
    await postgres.start();
    expect(logs).toEqual(
      expect.arrayContaining([
        expect.stringContaining('running PostgreSQL from a copy in'),
        expect.stringContaining('keeping the cluster in'),
      ]),
    );
    const client = new Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
      expect(rows).toEqual([{ db: 'casefile_hub_test_private' }]);
    } finally {
      await client.end();
    }
    // the next start reuses the copy instead of making another
    const copies = sharedEntries().filter((entry) => entry.startsWith('postgres-'));
    await postgres.stop();
    await postgres.start();
    expect(sharedEntries().filter((entry) => entry.startsWith('postgres-'))).toEqual(copies);
  });
});

if (!asRoot) console.warn('embedded-postgres.e2e: not root, the private-folder test is skipped');
