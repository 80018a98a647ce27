import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import {
  type Binaries,
  canEnter,
  freePort,
  installedDistribution,
  isAlive,
  isNodeProcess,
  readPid,
  resolveBinaries,
  resolveRunAs,
  SHARED_ROOT,
} from './embedded-postgres.platform';

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster, its password and its log (DATA_DIR/postgres). */
  dir: string;
  /** Database created on first start. */
  database: string;
  /** Trade durability for speed (fsync off): for test clusters only. */
  ephemeral?: boolean;
  /**
   * When another live process runs this folder's server, use that server (never stopping it)
   * instead of refusing: for one-off commands (CLI, migrations) beside a running service.
   */
  attach?: boolean;
  log?: (message: string) => void;
  /** A PostgreSQL distribution folder (bin/, lib/, share/); the installed npm package's by default. */
  distribution?: string;
}

/**
 * A real PostgreSQL server kept in a folder: created on first start, reused with its data on the
 * next, started on a free loopback port, stopped cleanly. A server left running by a process that
 * was killed is found through postmaster.pid and our owner file, stopped, and started again.
 */
export class EmbeddedPostgres {
  private readonly runAs = resolveRunAs();
  private readonly bins: Binaries;
  private readonly log: (message: string) => void;
  /** Where the cluster lives: options.dir, unless the postgres user cannot reach it (see start). */
  private dir: string;
  private running = false;
  private attached = false;
  port = 0;

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.dir = resolve(options.dir);
    this.log = options.log ?? (() => undefined);
    this.bins = resolveBinaries(
      options.distribution ?? installedDistribution(),
      this.runAs,
      this.log,
    );
  }

  private get pgdata(): string {
    return join(this.dir, 'data');
  }
  private get ownerFile(): string {
    return join(this.dir, 'owner.pid');
  }
  private get passwordFile(): string {
    return join(this.dir, 'password');
  }
  private get readyMarker(): string {
    return join(this.dir, 'initialised');
  }
  private get logFile(): string {
    return join(this.dir, 'postgres.log');
  }

  get url(): string {
    const password = encodeURIComponent(this.password());
    return `postgres://postgres:${password}@127.0.0.1:${this.port}/${this.options.database}`;
  }

  async start(): Promise<void> {
    this.dir = this.reachableDir();
    this.prepareDir();
    const fresh = !existsSync(this.readyMarker);
    if (this.attachToRunningServer()) return;
    this.claim();
    if (fresh) this.initialise();
    // A restart (stop, then start) keeps the port, so open pools reconnect by themselves.
    if (this.port === 0) this.port = await freePort();
    try {
      await this.pgCtl(['start', '-w', '-t', '60', '-l', this.logFile, '-o', `-p ${this.port}`]);
    } catch (error) {
      rmSync(this.ownerFile, { force: true });
      throw error;
    }
    this.running = true;
    if (fresh) {
      await this.createDatabase();
      writeFileSync(this.readyMarker, new Date().toISOString());
    }
    this.log(`embedded PostgreSQL ${fresh ? 'created' : 'started'} on 127.0.0.1:${this.port}`);
  }

  async stop(): Promise<void> {
    if (this.attached || !this.running) return;
    await this.pgCtl(['stop', '-w', '-t', '30', '-m', 'fast']);
    this.afterStop();
  }

  /** For `process.on('exit')`, where only synchronous work runs (the TypeORM CLI). */
  stopSync(): void {
    if (this.attached || !this.running) return;
    this.pgCtlSync(['stop', '-w', '-t', '30', '-m', 'fast']);
    this.afterStop();
  }

  private afterStop(): void {
    this.running = false;
    rmSync(this.ownerFile, { force: true });
    this.log('embedded PostgreSQL stopped');
  }

  /**
   * As root, PostgreSQL runs as `postgres` and must traverse every folder above its data (it
   * chdirs there by absolute path). A DATA_DIR under a private folder (a clone in /root, say)
   * is out of its reach: the cluster then lives in /var/lib/casefile-hub, under a name derived
   * from DATA_DIR so the next start finds the same one.
   */
  private reachableDir(): string {
    const wanted = resolve(this.options.dir);
    if (!this.runAs) return wanted;
    mkdirSync(dirname(wanted), { recursive: true });
    if (canEnter(this.runAs, dirname(wanted))) return wanted;
    const hash = createHash('sha256').update(wanted).digest('hex').slice(0, 12);
    const fallback = join(SHARED_ROOT, `${basename(dirname(wanted))}-${hash}`);
    this.log(`user postgres cannot reach ${wanted}; keeping the cluster in ${fallback}`);
    return fallback;
  }

  private prepareDir(): void {
    // Parents keep the default mode: as root, the postgres user must be able to traverse them.
    mkdirSync(dirname(this.dir), { recursive: true });
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (this.runAs) chownSync(this.dir, this.runAs.uid, this.runAs.gid);
  }

  private password(): string {
    if (!existsSync(this.passwordFile)) {
      writeFileSync(this.passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
    }
    return readFileSync(this.passwordFile, 'utf8').trim();
  }

  /** initdb; a cluster left half-made by a killed first start (no marker yet) is made again. */
  private initialise(): void {
    rmSync(this.pgdata, { recursive: true, force: true });
    const pwfile = join(this.dir, 'initdb-password');
    writeFileSync(pwfile, `${this.password()}\n`, { mode: 0o600 });
    if (this.runAs) chownSync(pwfile, this.runAs.uid, this.runAs.gid);
    try {
      this.exec(this.bins.initdb, [
        `--pgdata=${this.pgdata}`,
        '--username=postgres',
        '--auth=scram-sha-256',
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--no-locale',
        '--no-sync',
        '--no-instructions',
      ]);
    } finally {
      rmSync(pwfile, { force: true });
    }
    const settings = [
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      'max_connections = 200',
      ...(this.options.ephemeral
        ? ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']
        : []),
    ];
    writeFileSync(join(this.pgdata, 'postgresql.conf'), `\n${settings.join('\n')}\n`, {
      flag: 'a',
    });
  }

  /** With `attach`, uses the server another live process started here; true if it did. */
  private attachToRunningServer(): boolean {
    if (!this.options.attach) return false;
    const ownerPid = readPid(this.ownerFile);
    const postmaster = join(this.pgdata, 'postmaster.pid');
    if (ownerPid === undefined || ownerPid === process.pid || !isAlive(ownerPid)) return false;
    if (!existsSync(postmaster)) return false;
    // postmaster.pid: line 1 pid, line 4 port
    const port = Number(readFileSync(postmaster, 'utf8').split('\n')[3]);
    if (!Number.isInteger(port) || port <= 0) return false;
    this.port = port;
    this.attached = true;
    this.log(`using the embedded PostgreSQL of process ${ownerPid} on 127.0.0.1:${port}`);
    return true;
  }

  /**
   * Makes this process the owner of the folder before any server starts. If the owner file names
   * another live Node process, the folder is in use and we refuse rather than pull the database
   * from under it. If postmaster.pid names a live server whose owner is gone, it was left behind
   * by a killed run: stop it, so it is started afresh under our control.
   */
  private claim(): void {
    const ownerPid = readPid(this.ownerFile);
    if (
      ownerPid !== undefined &&
      ownerPid !== process.pid &&
      isAlive(ownerPid) &&
      isNodeProcess(ownerPid)
    ) {
      throw new Error(
        `the embedded PostgreSQL in ${this.dir} is in use by process ${ownerPid}; stop it or set another DATA_DIR`,
      );
    }
    writeFileSync(this.ownerFile, `${process.pid}\n`);
    const serverPid = readPid(join(this.pgdata, 'postmaster.pid'));
    if (serverPid !== undefined && isAlive(serverPid)) {
      this.log(
        `found PostgreSQL (pid ${serverPid}) left running by an earlier process; restarting it`,
      );
      this.pgCtlSync(['stop', '-w', '-t', '30', '-m', 'fast']);
    }
  }

  private async createDatabase(): Promise<void> {
    const client = new Client({
      host: '127.0.0.1',
      port: this.port,
      user: 'postgres',
      password: this.password(),
      database: 'postgres',
    });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        this.options.database,
      ]);
      if (found.rowCount === 0) {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(this.options.database)}`);
      }
    } finally {
      await client.end();
    }
  }

  private pgCtl(args: string[]): Promise<void> {
    return new Promise((resolveRun, reject) => {
      const child = spawn(this.bins.pgCtl, ['-D', this.pgdata, ...args], {
        ...this.runAs,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolveRun()
          : reject(new Error(`pg_ctl ${args[0]} failed (${code}): ${this.tail(output)}`)),
      );
    });
  }

  private pgCtlSync(args: string[]): void {
    this.exec(this.bins.pgCtl, ['-D', this.pgdata, ...args]);
  }

  private exec(file: string, args: string[]): void {
    const result = spawnSync(file, args, { ...this.runAs, encoding: 'utf8' });
    if (result.status !== 0) {
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`;
      throw new Error(`${file.split('/').pop()} ${args[0]} failed: ${this.tail(output)}`);
    }
  }

  private tail(output: string): string {
    const logFile = this.logFile;
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-5) : [];
    return [output.trim(), ...log].filter(Boolean).join(' | ').slice(-1500);
  }
}
