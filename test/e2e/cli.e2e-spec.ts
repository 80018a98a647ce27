import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort, startServerProcess, waitForHealthy } from '../support/server-process';
import { createFreshDatabase, makeTestDir } from '../support/test-database';

const ROOT = join(__dirname, '..', '..');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/cli.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run cli -- create-admin', () => {
  let database: { url: string; drop: () => Promise<void> };
  let env: Record<string, string>;
  const dataDir = makeTestDir('casefile-hub-cli-');

  const roleOf = async (email: string) => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ role: string }>(
        'SELECT role FROM users WHERE email = $1',
        [email],
      );
      return rows[0]?.role;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    database = await createFreshDatabase('casefile_hub_test_cli');
    env = { DATABASE_URL: database.url, DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(40) };
  });
  afterAll(async () => {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a super_admin, and says so when it already is one', async () => {
    const first = await cli(
      ['create-admin', '--email', 'ops@example.test', '--password', 'Operator-passphrase-2026'],
      env,
    );
    expect(first).toMatchObject({ code: 0, stdout: 'ops@example.test: super_admin created\n' });
    expect(await roleOf('ops@example.test')).toBe('super_admin');
    const again = await cli(
      ['create-admin', '--email', 'ops@example.test', '--password', 'Operator-passphrase-2026'],
      env,
    );
    expect(again).toMatchObject({ code: 0, stdout: 'ops@example.test is already a super_admin\n' });
  });

  it('creates another super_admin even when one exists (an operator decision)', async () => {
    const res = await cli(
      ['create-admin', '--email', 'night@example.test', '--password', 'Quiet-harbour-lantern-77'],
      env,
    );
    expect(res.code).toBe(0);
    expect(await roleOf('night@example.test')).toBe('super_admin');
  });

  it('refuses a weak password, naming the rule, and creates nothing', async () => {
    const res = await cli(
      ['create-admin', '--email', 'weak@example.test', '--password', 'password1234'],
      env,
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'create-admin failed: The password does not meet the password policy: is a commonly used password',
    );
    expect(await roleOf('weak@example.test')).toBeUndefined();
  });

  it.each([[[]], [['create-admin', '--email', 'x@example.test']], [['drop-everything']]])(
    'prints the usage and exits 2 for %j',
    async (args) => {
      const res = await cli(args, env);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('usage: npm run cli -- create-admin');
    },
  );

  it('works beside a running service on the same embedded database, leaving it running', async () => {
    const embeddedDir = join(makeTestDir('casefile-hub-cli-embedded-'), 'data');
    const server = startServerProcess({ PORT: String(await freePort()), DATA_DIR: embeddedDir });
    try {
      await waitForHealthy(server);
      const res = await cli(
        [
          'create-admin',
          '--email',
          'beside@example.test',
          '--password',
          'Quiet-harbour-lantern-77',
        ],
        {
          DATA_DIR: embeddedDir,
        },
      );
      expect(res).toMatchObject({ code: 0, stdout: 'beside@example.test: super_admin created\n' });
      const login = await fetch(`http://127.0.0.1:${server.port}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: 'beside@example.test',
          password: 'Quiet-harbour-lantern-77',
        }),
      });
      expect(login.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${server.port}/health`)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(join(embeddedDir, '..'), { recursive: true, force: true });
    }
  });
});
