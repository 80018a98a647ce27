import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { migrateDatabase } from '../../src/platform/database/migrate';
import { createFreshDatabase } from '../support/test-database';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const MIGRATION_FILES = readdirSync(join(ROOT, 'migrations')).filter((f) => f.endsWith('.ts'));

async function withFreshDatabase(
  name: string,
  body: (url: string) => Promise<void>,
): Promise<void> {
  const database = await createFreshDatabase(name);
  try {
    await body(database.url);
  } finally {
    await database.drop();
  }
}

async function appliedMigrations(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      'SELECT name FROM migrations ORDER BY id',
    );
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  const expected = MIGRATION_FILES.map((file) => {
    const [timestamp, rest] = file.replace(/\.ts$/, '').split('-');
    return `${rest}${timestamp}`;
  });

  it('names each migration class and its recorded name after its file, oldest first', () => {
    // TypeORM orders and records migrations by the class's `name`: a file whose class says
    // another timestamp would run out of order or be recorded under a name no file has
    expect(MIGRATION_FILES[0]).toMatch(/-Baseline\.ts$/);
    for (const [index, file] of MIGRATION_FILES.entries()) {
      const source = readFileSync(join(ROOT, 'migrations', file), 'utf8');
      expect(source).toContain(`export class ${expected[index]} implements MigrationInterface`);
      expect(source).toContain(`name = '${expected[index]}';`);
    }
    expect([...MIGRATION_FILES].sort()).toEqual(MIGRATION_FILES);
  });

  it('applies every migration once even when several instances start together', async () => {
    await withFreshDatabase('casefile_hub_test_migrate_race', async (url) => {
      const results = await Promise.all(
        [1, 2, 3].map(() => migrateDatabase(url, { connectTimeoutMs: 5000 })),
      );
      // exactly one of the three applied them, the others found nothing to do
      expect(results.map((applied) => applied.length).sort()).toEqual([0, 0, expected.length]);
      expect(await appliedMigrations(url)).toEqual(expected);
    });
  });

  it('npm run migration:run / migration:revert work through ormconfig.ts', async () => {
    await withFreshDatabase('casefile_hub_test_migrate_cli', async (url) => {
      const env = { ...process.env, DATABASE_URL: url, NODE_ENV: 'test' };
      await run('npm', ['run', '--silent', 'migration:run'], { cwd: ROOT, env });
      expect(await appliedMigrations(url)).toEqual(expected);

      await run('npm', ['run', '--silent', 'migration:revert'], { cwd: ROOT, env });
      expect(await appliedMigrations(url)).toEqual(expected.slice(0, -1));

      await run('npm', ['run', '--silent', 'migration:run'], { cwd: ROOT, env });
      expect(await appliedMigrations(url)).toEqual(expected);
    });
  });

  it('npm run typeorm -- migration:generate --dryrun finds nothing to do on a migrated database', async () => {
    await withFreshDatabase('casefile_hub_test_migrate_generate', async (url) => {
      await migrateDatabase(url, { connectTimeoutMs: 5000 });
      const env = { ...process.env, DATABASE_URL: url, NODE_ENV: 'test' };
      // TypeORM exits 1 when there is nothing to generate, 0 (printing the SQL) when there is
      const generate = run(
        'npm',
        ['run', '--silent', 'typeorm', '--', 'migration:generate', '--dryrun', 'migrations/Drift'],
        { cwd: ROOT, env },
      );
      const failure = await generate.then(
        (output) => new Error(`migration:generate found drift:\n${output.stdout}`),
        (error: { code?: number; stdout?: string }) => error,
      );
      expect(failure).toMatchObject({ code: 1 });
      expect((failure as { stdout?: string }).stdout).toContain(
        'No changes in database schema were found',
      );
    });
  });
});
