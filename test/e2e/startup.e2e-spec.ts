import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  startServerProcess,
  waitForHealthy,
  type ServerProcess,
} from '../support/server-process';
import { makeTestDir } from '../support/test-database';

function postgresRunningIn(dataDir: string): boolean {
  try {
    const out = execFileSync('pgrep', ['-f', `postgres -D ${join(dataDir, 'postgres', 'data')}`], {
      encoding: 'utf8',
    });
    return out.trim().length > 0;
  } catch {
    return false;
  }
}

describe('start-up as its own process (src/main.ts)', () => {
  describe('configuration', () => {
    it.each([
      ['PORT', 'abc', 'Invalid configuration: PORT must be an integer number'],
      ['DB_POOL_SIZE', '0', 'Invalid configuration: DB_POOL_SIZE must not be less than 1'],
      ['LOG_LEVEL', 'loud', 'Invalid configuration: LOG_LEVEL must be one of the following values'],
      [
        'DATABASE_URL',
        'mysql://x',
        'Invalid configuration: DATABASE_URL must be a postgres:// URL',
      ],
    ])(
      'a bad %s prints one line naming it and exits 1 before listening',
      async (name, value, line) => {
        const dataDir = join(makeTestDir('casefile-hub-config-'), 'data');
        const port = await freePort();
        const server = startServerProcess({ PORT: String(port), DATA_DIR: dataDir, [name]: value });
        expect(await server.exited).toBe(1);
        const lines = server.stderr().trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(line);
        expect(server.output()).not.toContain('listening');
        expect(existsSync(dataDir)).toBe(false); // nothing was started, not even the database
        await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
      },
    );

    it('requires a JWT_SECRET of at least 32 characters in production', async () => {
      const server = startServerProcess({ NODE_ENV: 'production', PORT: String(await freePort()) });
      expect(await server.exited).toBe(1);
      expect(server.stderr().trim()).toBe(
        'Invalid configuration: JWT_SECRET is required in production (at least 32 chars)',
      );
    });

    it('never echoes the value of a bad variable (it may be a secret)', async () => {
      const server = startServerProcess({ JWT_SECRET: 'short-secret-value', PORT: '3000' });
      expect(await server.exited).toBe(1);
      expect(server.stderr()).toContain('JWT_SECRET');
      expect(server.stderr()).not.toContain('short-secret-value');
    });
  });

  describe('embedded PostgreSQL lifecycle', () => {
    const root = makeTestDir('casefile-hub-start-');
    /** A DATA_DIR whose database was created (and migrated), then stopped: each test copies it. */
    const created = join(root, 'created');
    let dataDir: string;
    let server: ServerProcess | undefined;
    let dirs = 0;

    const start = async () => {
      server = startServerProcess({ PORT: String(await freePort()), DATA_DIR: dataDir });
      await waitForHealthy(server);
      return server;
    };
    const stop = async (running: ServerProcess) => {
      if (running.child.exitCode === null) {
        running.child.kill('SIGTERM');
        await running.exited;
      }
    };

    beforeAll(async () => {
      dataDir = created;
      await stop(await start());
    });
    // every test has a DATA_DIR of its own (they run in any order), holding a created database
    beforeEach(() => {
      dataDir = join(root, `data-${++dirs}`);
      // `cp -a`: owners and modes kept (run as root, the database belongs to a user of its own)
      execFileSync('cp', ['-a', created, dataDir]);
    });
    afterEach(async () => {
      if (server) await stop(server);
    });
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('creates the database on first start and stops it on SIGTERM', async () => {
      dataDir = join(root, 'empty');
      const first = await start();
      expect(first.output()).toContain('embedded PostgreSQL created');
      expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(true);
      expect(postgresRunningIn(dataDir)).toBe(true);

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain('embedded PostgreSQL stopped');
      expect(postgresRunningIn(dataDir)).toBe(false);
    });

    it('reuses the same database on the next start', async () => {
      const second = await start(); // the database in this DATA_DIR was created and stopped before
      expect(second.output()).toContain('embedded PostgreSQL started');
      expect(second.output()).not.toContain('created');
      expect(second.output()).not.toContain('applied migrations');
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
    });

    it('takes over a server left running by a killed process', async () => {
      const killed = await start();
      killed.child.kill('SIGKILL');
      await killed.exited;
      expect(postgresRunningIn(dataDir)).toBe(true); // left behind

      const next = await start();
      expect(next.output()).toContain('left running by an earlier process');
      next.child.kill('SIGTERM');
      expect(await next.exited).toBe(0);
      expect(postgresRunningIn(dataDir)).toBe(false);
    });

    // issue 21 (replayed): a signal between the database's start and the listener killed the
    // process by the signal's default action, leaving the embedded PostgreSQL running
    it.each([
      ['while the app is being built', 'embedded PostgreSQL started'],
      ['as the port first accepts', undefined],
    ])('a SIGTERM %s stops what started, quietly, and exits 0', async (_when, line) => {
      const early = startServerProcess({ PORT: String(await freePort()), DATA_DIR: dataDir });
      server = early;
      const deadline = Date.now() + 60_000;
      const due = async () =>
        line
          ? early.output().includes(line)
          : await fetch(`http://127.0.0.1:${early.port}/health/live`).then(
              () => true,
              () => false,
            );
      while (!(await due()) && Date.now() < deadline && early.child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, line ? 5 : 1));
      }
      early.child.kill('SIGTERM');
      expect(await early.exited).toBe(0);
      expect(early.output()).toContain('embedded PostgreSQL stopped');
      expect(early.output()).not.toMatch(/ERROR|FATAL/);
      expect(postgresRunningIn(dataDir)).toBe(false);
    });

    it('refuses a DATA_DIR whose database another live process is using', async () => {
      const owner = await start();
      const intruder = startServerProcess({ PORT: String(await freePort()), DATA_DIR: dataDir });
      expect(await intruder.exited).toBe(1);
      expect(intruder.stderr()).toContain(`is in use by process ${owner.child.pid}`);
      // the owner is untouched
      expect((await fetch(`http://127.0.0.1:${owner.port}/health`)).status).toBe(200);
    });
  });
});
