/**
 * `npm run bench [-- --quick] [-- --rows 1000000] [-- --compare <git ref>] [-- --cpu-prof | --heap-prof]`
 *
 * Starts the real service (the build in dist/, production mode) on its own database (an
 * embedded PostgreSQL in a temporary directory, or DATABASE_URL), seeds users and casefiles with
 * SQL, and measures with autocannon, in one run, beside a bare NestJS + pg app (bench/baseline,
 * the yardstick): reads, the list, liveness, creates, and a fixed offered load (open loop).
 * Every server runs with bench/probe.js preloaded, which reports per scenario its CPU time, the
 * bytes it allocated and its event-loop delay; PostgreSQL's CPU is read from /proc.
 *
 * `--compare <ref>` also builds that commit (a `git archive` beside this checkout, sharing its
 * node_modules when the lockfiles match, else with its own `npm ci`) and measures it first, on a database of its own, so one run prints before and
 * after. Prints tables and targets and writes bench/results.json. Every cluster and folder it
 * made is removed at the end, also on Ctrl-C.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { startDatabaseServer } from '../src/platform/database/database-server';
import { type FirstEventFigures, measureFirstEvent } from './first-event';
import { type BystanderFigures, measureBystander } from './bystander';
import { measureWorkspace, type WorkspaceFigures } from './workspace';
import { googleEnv, type IncrementalSyncFigures, measureIncrementalSync } from './incremental-sync';
import { FakeGoogle } from '../test/support/fake-google';

/** Google for the product's connections and sync sources: a local server of Google's protocols. */
let fakeGoogle: FakeGoogle | undefined;

interface Options {
  quick: boolean;
  rows: number;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  openLoopRate: number;
  openLoopSeconds: number;
  compare: string | undefined;
  cpuProf: boolean;
  heapProf: boolean;
}

interface Scenario {
  name: string;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  ratio_to_baseline: number;
  /** Server (the process answering) CPU time per request, user + system. */
  cpu_us_per_req: number;
  /** PostgreSQL's CPU time per request, all of its processes (null when not readable). */
  pg_cpu_us_per_req: number | null;
  /** V8 heap bytes allocated per request, in KiB. */
  kb_per_req: number;
  gc_pause_ms: number;
  eld_p99_ms: number;
  offered_rps?: number;
  /** Open loop: requests sent again after a reset on a reused keep-alive socket (not failures). */
  resent?: number;
  /** Streamed turns: time to the first event and to the end, from a client's side. */
  first_event?: FirstEventFigures;
}

type Measured = Omit<Scenario, 'ratio_to_baseline'>;

/** One scenario's request; `setupClient` (closed loop only) sets up each connection. */
type BenchRequest = autocannon.Request & {
  url: string;
  setupClient?: (client: autocannon.Client) => void;
};

/** What one build measured: the scenarios, the workspace figures (issue 12), bystander (21). */
interface TargetResult {
  scenarios: Scenario[];
  workspace?: WorkspaceFigures;
  bystander?: BystanderFigures;
  incrementalSync?: IncrementalSyncFigures;
}

interface Server {
  child: ChildProcess;
  /** The database this server's figures are compared on (its PostgreSQL backends are counted). */
  db: Client;
}

const BASE_ROWS = 10_000;
const ROOT = resolve(__dirname, '..');
const PRODUCT_PORT = 3901;
const BASELINE_PORT = 3902;
const PASSWORD = 'Sturdy-load-test-passphrase-42';
/** Users whose sessions the per-session scenarios use (each connection a session of one of them). */
const SESSION_USERS = 10;
const PROBE = join(__dirname, 'probe.js');
const CLOCK_TICKS_PER_SECOND = 100;

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const value = (flag: string) => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const rows = Number(value('--rows') ?? BASE_ROWS);
  if (!Number.isInteger(rows) || rows < BASE_ROWS) {
    throw new Error(`--rows must be an integer of at least ${BASE_ROWS}`);
  }
  return {
    quick,
    rows,
    connections: Number(value('--connections') ?? 50),
    durationSeconds: Number(value('--duration') ?? (quick ? 3 : 10)),
    warmupSeconds: quick ? 1 : 2,
    openLoopRate: 300,
    openLoopSeconds: quick ? 10 : 30,
    compare: value('--compare'),
    cpuProf: argv.includes('--cpu-prof'),
    heapProf: argv.includes('--heap-prof'),
  };
}

const log = (message: string) => process.stdout.write(`${message}\n`);

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function startProduct(main: string, databaseUrl: string, options: Options): ChildProcess {
  const profiles = join(ROOT, 'bench', 'profiles');
  const args = [...(options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : [])];
  // allocation profiles per scenario, taken by bench/probe.js
  if (options.heapProf) mkdirSync(profiles, { recursive: true });
  return spawn(process.execPath, [...args, '-r', PROBE, main], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(PRODUCT_PORT),
      DATABASE_URL: databaseUrl,
      JWT_SECRET: 'bench-only-secret-bench-only-secret-0123456789',
      // the load comes from one user on one IP: the 60/min limit would answer 429s, not measure
      RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      LOG_LEVEL: 'info',
      ...(fakeGoogle && googleEnv(fakeGoogle)),
      ...(options.heapProf && { BENCH_HEAP_PROFILE_DIR: profiles }),
    },
    // the JSON access log is written, as in production, to /dev/null
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

function startBaseline(databaseUrl: string): ChildProcess {
  return fork(join(ROOT, 'bench', 'baseline', 'main.ts'), [], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, PORT: String(BASELINE_PORT) },
    execArgv: ['-r', 'ts-node/register/transpile-only', '-r', PROBE],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
}

/** Asks a server's probe (bench/probe.js) to start or stop a measuring window. */
function probe(
  child: ChildProcess,
  command: 'start' | 'stop',
  scenario?: string,
): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`probe ${command}: no answer`)), 10_000);
    const onMessage = (message: unknown) => {
      const answer = message as { probe?: string } & Record<string, number>;
      if (answer?.probe !== (command === 'start' ? 'started' : 'stopped')) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(answer);
    };
    child.on('message', onMessage);
    child.send({ probe: command, scenario });
  });
}

/** CPU time (µs) of every PostgreSQL process serving the database, from /proc; null if unreadable. */
async function postgresCpu(db: Client): Promise<Map<number, number> | null> {
  const { rows } = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity');
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      // fields after the command name: state is 3rd, utime 14th, stime 15th of the whole line
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      cpu.set(pid, (ticks * 1e6) / CLOCK_TICKS_PER_SECOND);
    } catch {
      return null; // another machine's PostgreSQL, or not ours to read
    }
  }
  return cpu;
}

function cpuSpent(before: Map<number, number> | null, after: Map<number, number> | null): number {
  if (!before || !after) return NaN;
  let total = 0;
  for (const [pid, us] of after) total += us - (before.get(pid) ?? 0);
  return total;
}

async function api<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${PRODUCT_PORT}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { data: T };
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

/** Synthetic owners and casefiles up to `total` rows; the bench user owns 1 % and has 50 grants. */
async function seedCasefiles(db: Client, benchUserId: string, total: number): Promise<void> {
  const [{ count }] = (
    await db.query<{ count: number }>('SELECT count(*)::int AS count FROM casefiles')
  ).rows;
  if (count === 0) {
    await db.query(
      `INSERT INTO users (id, email, username, password_hash)
       SELECT gen_random_uuid(), 'owner-' || g || '@bench.test', 'owner_' || g, 'x'
         FROM generate_series(1, 99) g`,
    );
  }
  const batch = 100_000;
  for (let from = count + 1; from <= total; from += batch) {
    const to = Math.min(total, from + batch - 1);
    await db.query(
      `WITH owners AS (SELECT array_agg(id) AS ids FROM users WHERE email LIKE 'owner-%@bench.test')
       INSERT INTO casefiles (id, owner_id, title, description, tags, created_at, updated_at)
       SELECT gen_random_uuid(),
              CASE WHEN g % 100 = 0 THEN $1::uuid ELSE owners.ids[1 + g % 99] END,
              'Casefile ' || g, 'Seeded casefile number ' || g, ARRAY['tag' || (g % 10)],
              now() - make_interval(secs => g), now() - make_interval(secs => g)
         FROM generate_series($2::int, $3::int) g, owners`,
      [benchUserId, from, to],
    );
    if (total > BASE_ROWS) log(`  seeded ${to.toLocaleString('en')} casefiles`);
  }
  await db.query(
    `INSERT INTO casefile_permissions (casefile_id, user_id, level)
     SELECT id, $1, 'viewer' FROM casefiles WHERE owner_id <> $1 ORDER BY created_at DESC LIMIT 50
     ON CONFLICT DO NOTHING`,
    [benchUserId],
  );
  await db.query('ANALYZE casefiles');
  await db.query('ANALYZE casefile_permissions');
}

interface Load {
  /** Fixed offered load in req/s (open loop); unset: closed loop, as fast as answered. */
  overallRate?: number;
  durationSeconds?: number;
}

interface LoadResult {
  total: number;
  rps: number;
  p50: number;
  p99: number;
  failures: string | undefined;
  /** Open loop: requests sent again after a reset on a reused keep-alive socket. */
  resent?: number;
}

async function closedLoop(
  request: BenchRequest,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const { url, setupClient, ...req } = request;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [req],
    setupClient,
  });
  const failures = result.errors + result.timeouts + result.non2xx;
  return {
    total: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures:
      failures > 0
        ? `${result.non2xx} non-2xx (by status: ${JSON.stringify(result.statusCodeStats)}), ${result.errors} errors, ${result.timeouts} timeouts`
        : undefined,
  };
}

/**
 * A real open loop: request i is due at start + i / rate whatever the answers do, and its latency
 * counts from when it was due (so a stalled server's backlog shows, coordinated omission free).
 * autocannon's `overallRate` is not that: each connection sends its share of a second back to
 * back at the start of every second, then idles — a burst of 300 at 50 connections each second.
 */
async function openLoop(
  request: autocannon.Request & { url: string },
  rate: number,
  seconds: number,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const target = new URL(request.url);
  const latencies: number[] = [];
  let failed = 0;
  /** What each failure was: a status, or a socket error's code (printed with the count). */
  const reasons: Record<string, number> = {};
  const fail = (reason: string) => {
    failed++;
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  };
  /** Requests sent again because the server had closed the idle keep-alive socket they took. */
  let resent = 0;
  const pending: Promise<void>[] = [];
  const fire = (due: number, resending = false): Promise<void> =>
    new Promise<void>((done) => {
      let settled = false; // one outcome per request, whichever of its events comes first
      const setup = request.setupRequest;
      const req = typeof setup === 'function' ? setup({ ...request }, {}) : request;
      const call = httpRequest(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: req.path ?? target.pathname,
          method: req.method ?? 'GET',
          headers: req.headers as Record<string, string> | undefined,
        },
        (res) => {
          res.resume();
          // 'close' also comes when the connection ends mid-body (no 'end'): a failure, not a hang
          res.on('close', () => {
            if (settled) return;
            settled = true;
            if (!res.complete) fail('incomplete response');
            else if ((res.statusCode ?? 500) >= 300) fail(String(res.statusCode));
            else latencies.push(performance.now() - due);
            done();
          });
        },
      );
      call.on('error', (error: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        // A reused keep-alive socket the server closed as the request went out: node's documented
        // race (http `request.reusedSocket`), sent once more as clients do, timed from the same due time.
        if (call.reusedSocket && error.code === 'ECONNRESET' && !resending) {
          resent++;
          void fire(due, true).then(done);
          return;
        }
        fail(error.code ?? error.message);
        done();
      });
      call.end();
    });
  const interval = 1000 / rate;
  const started = performance.now();
  const count = Math.round(rate * seconds);
  for (let i = 0; i < count; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(fire(due));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.floor(q * (latencies.length - 1))] ?? NaN);
  return {
    total: latencies.length + failed,
    rps: Math.round(latencies.length / elapsed),
    p50: at(0.5),
    p99: at(0.99),
    failures: failed > 0 ? `${failed} failed requests ${JSON.stringify(reasons)}` : undefined,
    ...(resent > 0 && { resent }),
  };
}

async function measure(
  name: string,
  server: Server,
  options: Options,
  request: BenchRequest,
  load: Load = {},
): Promise<Measured> {
  await closedLoop(request, options.connections, options.warmupSeconds);
  await probe(server.child, 'start', name);
  const pgBefore = await postgresCpu(server.db);
  const seconds = load.durationSeconds ?? options.durationSeconds;
  const result = load.overallRate
    ? await openLoop(request, load.overallRate, seconds)
    : await closedLoop(request, options.connections, seconds);
  const pgAfter = await postgresCpu(server.db);
  const stats = await probe(server.child, 'stop');
  if (result.failures) throw new Error(`${name}: ${result.failures}`);
  const total = result.total;
  const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;
  const pg = cpuSpent(pgBefore, pgAfter);
  return {
    name,
    rps: result.rps,
    p50_ms: result.p50,
    p99_ms: result.p99,
    cpu_us_per_req: round(stats.cpu_us / total),
    pg_cpu_us_per_req: Number.isNaN(pg) ? null : round(pg / total),
    kb_per_req: round(stats.allocated_bytes / total / 1024, 1),
    gc_pause_ms: stats.gc_pause_ms,
    eld_p99_ms: round(stats.eld_p99_ms, 1),
    ...(load.overallRate && { offered_rps: load.overallRate }),
    ...(result.resent !== undefined && { resent: result.resent }),
  };
}

/** A second database on the same server, for the build measured with `--compare`. */
async function createDatabase(url: string, name: string): Promise<string> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const other = new URL(url);
  other.pathname = `/${name}`;
  return other.toString();
}

/** `ref` built beside this checkout (its own tree, this checkout's node_modules); main.js path. */
function buildRef(ref: string, into: string): string {
  const commit = execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], { cwd: ROOT })
    .toString()
    .trim();
  log(`building ${ref} (${commit}) for comparison …`);
  mkdirSync(into, { recursive: true });
  const archive = execFileSync('git', ['archive', commit], { cwd: ROOT, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', into], { input: archive });
  const sameLock =
    readFileSync(join(into, 'package-lock.json'), 'utf8') ===
    readFileSync(join(ROOT, 'package-lock.json'), 'utf8');
  if (sameLock) {
    symlinkSync(join(ROOT, 'node_modules'), join(into, 'node_modules'), 'dir');
  } else {
    log(`  its dependencies differ: npm ci in ${into} …`);
    // no install scripts: prebuilt binaries suffice, and the bench runs it on DATABASE_URL-style
    // databases of its own server, never on an embedded one of its own
    execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: into,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  execFileSync(join(into, 'node_modules', '.bin', 'nest'), ['build'], { cwd: into });
  return join(into, 'dist', 'src', 'main.js');
}

interface Target {
  label: string;
  main: string;
  databaseUrl: string;
}

/** Every scenario against one build of the product, with the baselines measured right beside it. */
async function benchTarget(
  target: Target,
  options: Options,
  baselineChild: ChildProcess,
  baselineDb: Client,
): Promise<TargetResult> {
  log(`\n— ${target.label}`);
  const db = new Client({ connectionString: target.databaseUrl });
  let product: ChildProcess | undefined;
  try {
    product = startProduct(target.main, target.databaseUrl, options);
    await waitFor(`http://127.0.0.1:${PRODUCT_PORT}/health`);
    await db.connect();
    const user = await api<{ id: string }>('POST', '/v1/auth/register', {
      email: 'loadtest@example.test',
      username: 'loadtester',
      password: PASSWORD,
    });
    const { access_token: token } = await api<{ access_token: string }>('POST', '/v1/auth/login', {
      email: 'loadtest@example.test',
      password: PASSWORD,
    });
    await seedCasefiles(db, user.id, BASE_ROWS);
    const ids = (
      await db.query<{ id: string }>('SELECT id FROM casefiles WHERE owner_id = $1 LIMIT 1000', [
        user.id,
      ])
    ).rows.map((r) => r.id);
    const baselineIds = (
      await baselineDb.query<{ id: string }>('SELECT id FROM casefiles LIMIT 1000')
    ).rows.map((r) => r.id);
    const baselineOwner = (
      await baselineDb.query<{ id: string }>(
        "SELECT id FROM users WHERE email = 'baseline@bench.test'",
      )
    ).rows[0].id;
    const pick = (from: string[]) => from[Math.floor(Math.random() * from.length)];
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const productUrl = `http://127.0.0.1:${PRODUCT_PORT}`;
    const baselineUrl = `http://127.0.0.1:${BASELINE_PORT}`;
    const bare: Server = { child: baselineChild, db: baselineDb };
    const served: Server = { child: product, db };
    const getCasefile = {
      url: productUrl,
      method: 'GET' as const,
      headers: auth,
      setupRequest: (req: autocannon.Request) => ({ ...req, path: `/v1/casefiles/${pick(ids)}` }),
    };

    const fixedLoad: Load = {
      overallRate: options.openLoopRate,
      durationSeconds: options.openLoopSeconds,
    };
    const raw: Measured[] = [];
    const add = async (run: Promise<Measured>) => {
      const measured = await run;
      log(`  ${measured.name.padEnd(24)} ${measured.rps} req/s`);
      raw.push(measured);
    };
    await add(
      measure('baseline_hello', bare, options, { url: baselineUrl, method: 'GET', path: '/hello' }),
    );
    await add(
      measure('health_live', served, options, {
        url: productUrl,
        method: 'GET',
        path: '/health/live',
      }),
    );
    await add(
      measure('baseline_nest_pg', bare, options, {
        url: baselineUrl,
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: `/rows/${pick(baselineIds)}` }),
      }),
    );
    await add(measure('get_casefile', served, options, getCasefile));
    await add(
      measure('list_casefiles', served, options, {
        url: productUrl,
        method: 'GET',
        path: '/v1/casefiles',
        headers: auth,
      }),
    );
    // the same offered load on the bare baseline: what this machine's own tail is
    await add(
      measure(
        'baseline_open_loop',
        bare,
        options,
        {
          url: baselineUrl,
          method: 'GET',
          setupRequest: (req) => ({ ...req, path: `/rows/${pick(baselineIds)}` }),
        },
        fixedLoad,
      ),
    );
    await add(measure('get_casefile_open_loop', served, options, getCasefile, fixedLoad));
    // the same, from a client that accepts compressed answers as browsers do (compression runs)
    await add(
      measure(
        'get_casefile_gzip_open_loop',
        served,
        options,
        { ...getCasefile, headers: { ...auth, 'accept-encoding': 'gzip, deflate, br' } },
        fixedLoad,
      ),
    );
    await add(
      measure('baseline_insert', bare, options, {
        url: baselineUrl,
        method: 'POST',
        path: '/rows',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Bench casefile', owner_id: baselineOwner }),
      }),
    );
    await add(
      measure('create_casefile', served, options, {
        url: productUrl,
        method: 'POST',
        path: '/v1/casefiles',
        headers: auth,
        body: JSON.stringify({ title: 'Bench casefile', tags: ['bench'] }),
      }),
    );
    // A session runs one request at a time (a second is a 409): each connection keeps a session
    // of its own, opened beforehand (twice as many as connections: warm-up and measurement). The
    // sessions belong to SESSION_USERS users: one user may have only so many tool runs in flight
    // (TOOL_USER_CONCURRENCY running, TOOL_USER_QUEUE waiting), and load comes from many users.
    let usersMade = 0;
    const newUser = async (): Promise<string> => {
      const n = ++usersMade;
      const body = {
        email: `load-${n}@example.test`,
        username: `load_${n}`,
        password: PASSWORD,
      };
      await api('POST', '/v1/auth/register', body);
      const pair = await api<{ access_token: string }>('POST', '/v1/auth/login', {
        email: body.email,
        password: PASSWORD,
      });
      return pair.access_token;
    };
    const sessionUsers = await Promise.all(Array.from({ length: SESSION_USERS }, newUser));
    const openSessions = (sessionsPath: string, count: number) =>
      Promise.all(
        Array.from({ length: count }, (_, i) => {
          const owner = sessionUsers[i % sessionUsers.length];
          return api<{ id: string }>('POST', sessionsPath, {}, owner).then((session) => ({
            ...session,
            token: owner,
          }));
        }),
      );
    const perSession = async (
      name: string,
      sessionsPath: string,
      requestPath: string,
      body: unknown,
      headers: Record<string, string> = {},
    ) => {
      const sessions = await openSessions(sessionsPath, 2 * options.connections);
      let next = 0;
      const requestOf = (session: { id: string; token: string }) => ({
        method: 'POST' as const,
        path: `${sessionsPath}/${session.id}/${requestPath}`,
        headers: { ...auth, authorization: `Bearer ${session.token}`, ...headers },
        body: JSON.stringify(body),
      });
      await add(
        measure(name, served, options, {
          url: productUrl,
          ...requestOf(sessions[0]),
          setupClient: (client) => {
            client.setRequests([requestOf(sessions[next++ % sessions.length])]);
          },
        }),
      );
    };
    const text = 'The quick brown fox jumps over the lazy dog.\nThe end.';
    await perSession('process_tool_request', '/v1/tool-sessions', 'requests', {
      tool: 'text.stats',
      parameters: { text },
    });
    // a builtin chat turn with one tool call: four messages stored, one tool request recorded
    const turn = { content: `/tool text.stats ${JSON.stringify({ text })}` };
    await perSession('chat_turn_json', '/v1/chat/sessions', 'messages', turn);
    // the same turn streamed (ten events, each stored before it is sent), timed to its end …
    await perSession('chat_turn_sse', '/v1/chat/sessions', 'messages', turn, {
      accept: 'text/event-stream',
    });
    // … and, from ten clients taking turns back to back, to its first event
    const streamed = raw.find((scenario) => scenario.name === 'chat_turn_sse');
    if (streamed) {
      const sessions = await openSessions('/v1/chat/sessions', 10);
      try {
        streamed.first_event = await measureFirstEvent({
          url: productUrl,
          paths: sessions.map((session) => ({
            path: `/v1/chat/sessions/${session.id}/messages`,
            headers: { ...auth, authorization: `Bearer ${session.token}` },
          })),
          body: JSON.stringify(turn),
          seconds: Math.max(3, options.durationSeconds / 2),
        });
      } catch (error) {
        // e.g. a --compare ref from before turns streamed
        log(`  chat_turn_sse first event not measured: ${(error as Error).message}`);
      }
    }
    let bystander: BystanderFigures | undefined;
    try {
      bystander = await measureBystander({
        url: productUrl,
        seconds: options.durationSeconds,
        log,
        newUserWithSession: async () => {
          const owner = await newUser();
          const session = await api<{ id: string }>('POST', '/v1/tool-sessions', {}, owner);
          return { token: owner, sessionId: session.id };
        },
      });
    } catch (error) {
      log(`  bystander not measured: ${(error as Error).message}`);
    }
    let workspace: WorkspaceFigures | undefined;
    try {
      workspace = await measureWorkspace({
        url: productUrl,
        headers: auth,
        db,
        seconds: options.durationSeconds,
        log,
      });
      log(`  import_gmail_500         ${workspace.import.messages_per_second} messages/s`);
      for (const searched of workspace.search) {
        log(
          `  search_100k ${searched.load.padEnd(12)} p95 ${searched.p95_ms} ms, ${searched.queries_per_second}/s`,
        );
      }
    } catch (error) {
      // e.g. a --compare ref from before workspace data
      log(`  workspace not measured: ${(error as Error).message}`);
    }
    let incrementalSync: IncrementalSyncFigures | undefined;
    try {
      if (!fakeGoogle) throw new Error('no Google to sync from');
      incrementalSync = await measureIncrementalSync({
        url: productUrl,
        db,
        google: fakeGoogle,
        token: await newUser(),
      });
      log(
        `  incremental_sync         ${incrementalSync.wall_ms} ms, ${incrementalSync.google_calls} Google calls`,
      );
    } catch (error) {
      // e.g. a --compare ref from before sync sources
      log(`  incremental_sync not measured: ${(error as Error).message}`);
    }
    if (options.rows > BASE_ROWS) {
      log(`  seeding up to ${options.rows.toLocaleString('en')} casefiles …`);
      await seedCasefiles(db, user.id, options.rows);
      await add(
        measure(`list_casefiles_${options.rows}`, served, options, {
          url: productUrl,
          method: 'GET',
          path: '/v1/casefiles',
          headers: auth,
        }),
      );
    }
    return { scenarios: withRatios(raw), workspace, bystander, incrementalSync };
  } finally {
    await stop(product);
    await db.end().catch(() => undefined);
  }
}

/** What each scenario is divided by. */
function baselineOf(name: string): string {
  if (name === 'health_live' || name === 'baseline_hello') return 'baseline_hello';
  if (name.includes('insert') || name.startsWith('create')) return 'baseline_insert';
  return 'baseline_nest_pg';
}

function withRatios(raw: Measured[]): Scenario[] {
  const rpsOf = (name: string) => raw.find((s) => s.name === name)?.rps ?? NaN;
  return raw.map((s) => ({
    ...s,
    ratio_to_baseline: Math.round((s.rps / rpsOf(baselineOf(s.name))) * 100) / 100,
  }));
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'casefile-hub-bench-'));
  // traversable, so as root the postgres user keeps the cluster here, removed with the folder
  chmodSync(dataDir, 0o755);
  let cleaned = false;
  let database: Awaited<ReturnType<typeof startDatabaseServer>> | undefined;
  let baseline: ChildProcess | undefined;
  let baselineDb: Client | undefined;
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    await fakeGoogle?.close();
    await baselineDb?.end().catch(() => undefined);
    await stop(baseline);
    await database?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const interrupted = () => {
    log('\ninterrupted: stopping servers and removing the bench cluster …');
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    fakeGoogle = await FakeGoogle.start();
    const before = options.compare ? buildRef(options.compare, join(dataDir, 'before')) : '';
    database = await startDatabaseServer({
      url: process.env.DATABASE_URL,
      dataDir,
      database: 'casefile_hub_bench',
      ephemeral: true,
    });
    const after = join(ROOT, 'dist', 'src', 'main.js');
    const targets: Target[] = [
      ...(options.compare
        ? [
            {
              label: `before (${options.compare})`,
              main: before,
              databaseUrl: await createDatabase(database.url, 'casefile_hub_bench_before'),
            },
          ]
        : []),
      {
        label: options.compare ? 'after (this checkout)' : 'this checkout',
        main: after,
        databaseUrl: database.url,
      },
    ];
    // the baseline's own database: this checkout's tables (its start migrates), seeded with SQL
    const baselineUrl = await createDatabase(database.url, 'casefile_hub_bench_baseline');
    await migrateWith(after, baselineUrl, options);
    baselineDb = new Client({ connectionString: baselineUrl });
    await baselineDb.connect();
    const owner = await baselineDb.query<{ id: string }>(
      `INSERT INTO users (id, email, username, password_hash)
       VALUES (gen_random_uuid(), 'baseline@bench.test', 'baseline', 'x') RETURNING id`,
    );
    await seedCasefiles(baselineDb, owner.rows[0].id, BASE_ROWS);
    baseline = startBaseline(baselineUrl);
    await waitFor(`http://127.0.0.1:${BASELINE_PORT}/hello`);
    log(
      `casefile-hub bench: ${BASE_ROWS.toLocaleString('en')} casefiles, ${options.connections} connections, ${options.durationSeconds}s per scenario, open loop ${options.openLoopRate} req/s for ${options.openLoopSeconds}s, ${cpus().length} cores, node ${process.version}`,
    );
    const results: ({ label: string } & TargetResult)[] = [];
    for (const target of targets) {
      results.push({
        label: target.label,
        ...(await benchTarget(target, options, baseline, baselineDb)),
      });
    }

    for (const { label, scenarios } of results) {
      log(`\n${label}`);
      printTable(scenarios);
    }
    log('\ntargets (issues 9, 10, 12, 21 and 23)');
    for (const { label, scenarios, workspace, bystander, incrementalSync } of results) {
      log(`  ${label}`);
      printTargets(scenarios, options, workspace, bystander, incrementalSync);
    }
    const last = results[results.length - 1];
    writeFileSync(
      join(ROOT, 'bench', 'results.json'),
      `${JSON.stringify(
        {
          scenarios: last.scenarios,
          workspace: last.workspace,
          bystander: last.bystander,
          incremental_sync: last.incrementalSync,
          ...(results.length > 1 && {
            before: {
              ref: options.compare,
              scenarios: results[0].scenarios,
              workspace: results[0].workspace,
              bystander: results[0].bystander,
            },
          }),
          run: {
            at: new Date().toISOString(),
            rows: options.rows,
            connections: options.connections,
            duration_seconds: options.durationSeconds,
            open_loop: { rps: options.openLoopRate, seconds: options.openLoopSeconds },
            cores: cpus().length,
            node: process.version,
            database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded',
          },
        },
        null,
        2,
      )}\n`,
    );
    log(`\nwrote bench/results.json (${Math.round((Date.now() - started) / 1000)} s in all)`);
  } finally {
    await cleanUp();
  }
}

/** Starts a build once to apply its migrations (the baseline reads the product's tables). */
async function migrateWith(main: string, databaseUrl: string, options: Options): Promise<void> {
  const product = startProduct(main, databaseUrl, options);
  try {
    await waitFor(`http://127.0.0.1:${PRODUCT_PORT}/health`);
  } finally {
    await stop(product);
  }
}

function printTable(scenarios: Scenario[]): void {
  const pad = (value: string | number | null, width: number) =>
    String(value ?? 'n/a').padStart(width);
  log(
    `${'scenario'.padEnd(24)}${pad('req/s', 7)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('×base', 7)}${pad('cpu µs', 8)}${pad('pg µs', 7)}${pad('KB', 7)}${pad('gc ms', 7)}${pad('eld99', 7)}`,
  );
  for (const s of scenarios) {
    log(
      `${s.name.padEnd(24)}${pad(s.rps, 7)}${pad(s.p50_ms, 8)}${pad(s.p99_ms, 8)}${pad(s.ratio_to_baseline.toFixed(2), 7)}${pad(s.cpu_us_per_req, 8)}${pad(s.pg_cpu_us_per_req, 7)}${pad(s.kb_per_req, 7)}${pad(s.gc_pause_ms, 7)}${pad(s.eld_p99_ms, 7)}`,
    );
  }
}

function printTargets(
  scenarios: Scenario[],
  options: Options,
  workspace: WorkspaceFigures | undefined,
  bystander: BystanderFigures | undefined,
  incrementalSync?: IncrementalSyncFigures,
): void {
  const by = (name: string) => scenarios.find((s) => s.name === name);
  const checks: [string, boolean][] = [];
  const ratio = (name: string, min: number, of: string) => {
    const s = by(name);
    if (s) {
      checks.push([
        `${name} ≥ ${min.toFixed(2)}× ${of} (${s.ratio_to_baseline.toFixed(2)})`,
        s.ratio_to_baseline >= min,
      ]);
    }
  };
  ratio('get_casefile', 0.5, 'baseline_nest_pg');
  ratio('list_casefiles', 0.4, 'baseline_nest_pg');
  ratio('create_casefile', 0.35, 'baseline_insert');
  ratio('health_live', 0.6, 'baseline_hello');
  ratio('process_tool_request', 0.4, 'baseline_nest_pg');

  const get = by('get_casefile');
  if (get) {
    checks.push([
      `get_casefile ≤ 120 KB allocated per request (${get.kb_per_req})`,
      get.kb_per_req <= 120,
    ]);
  }
  const open = by('get_casefile_open_loop');
  if (open) {
    checks.push([
      `open loop ${options.openLoopRate} req/s: p99 < 25 ms (${open.p99_ms} ms)`,
      open.p99_ms < 25,
    ]);
    const bareOpen = by('baseline_open_loop');
    const bareTail = bareOpen
      ? `; the bare baseline at the same load: ${bareOpen.p99_ms} vs ${bareOpen.p50_ms} ms`
      : '';
    checks.push([
      `open loop: p99 ≤ 3× p50 (${open.p99_ms} vs ${open.p50_ms} ms${bareTail})`,
      open.p99_ms <= 3 * Math.max(open.p50_ms, 1),
    ]);
  }
  const gzipOpen = by('get_casefile_gzip_open_loop');
  if (gzipOpen) {
    checks.push([
      `open loop, client accepting gzip: p99 < 25 ms (${gzipOpen.p99_ms} ms, p50 ${gzipOpen.p50_ms} ms)`,
      gzipOpen.p99_ms < 25,
    ]);
  }
  const small = by('list_casefiles');
  const large = by(`list_casefiles_${options.rows}`);
  if (small && large) {
    const factor = large.p50_ms / Math.max(small.p50_ms, 1);
    checks.push([
      `list p50 at ${options.rows.toLocaleString('en')} rows within 1.5× of ${BASE_ROWS.toLocaleString('en')} (${large.p50_ms} vs ${small.p50_ms} ms, ${factor.toFixed(2)}×)`,
      factor <= 1.5,
    ]);
  }
  if (workspace) {
    const { import: imported, search: searched } = workspace;
    const [alone, search, busy] = searched;
    checks.push([
      `import ≥ 5 000 messages/s in ${500}-message batches (${imported.messages_per_second}; batch p50 ${imported.batch_p50_ms} ms, p99 ${imported.batch_p99_ms} ms, ${imported.clients} clients)`,
      imported.messages_per_second >= 5_000,
    ]);
    checks.push([
      `search over ${search.messages.toLocaleString('en')} messages at ${search.load}: p95 < 50 ms (${search.p95_ms} ms; p50 ${search.p50_ms}, p99 ${search.p99_ms}; one client alone: p95 ${alone.p95_ms} ms; ${busy.load} back to back: ${busy.queries_per_second}/s, p95 ${busy.p95_ms} ms)`,
      search.p95_ms < 50,
    ]);
  }
  if (bystander) {
    const { idle, loaded } = bystander;
    checks.push([
      `bystander: text.stats p99 with three users running ${bystander.heavy_expression} ≤ 3× idle (${loaded.p99_ms} vs ${idle.p99_ms} ms, ${bystander.ratio_p99}×; p50 ${loaded.p50_ms} vs ${idle.p50_ms} ms; ${loaded.failed} failed of ${loaded.requests})`,
      loaded.p99_ms <= 3 * Math.max(idle.p99_ms, 1) && loaded.failed === 0,
    ]);
  }
  if (incrementalSync) {
    const { wall_ms: wall, google_calls: calls, mailbox, changes } = incrementalSync;
    const changed = changes.added + changes.deleted + changes.relabelled;
    const detail = `${mailbox.toLocaleString('en')} messages synced, ${changed} changes; job ${incrementalSync.job_ms} ms; a one-shot job: ${incrementalSync.one_shot_calls.toLocaleString('en')} calls`;
    checks.push([`incremental_sync ≤ 2 s (${wall} ms; ${detail})`, wall <= 2_000]);
    checks.push([
      `incremental_sync ≤ 120 Google calls (${calls}: ${JSON.stringify(incrementalSync.calls_by_path)})`,
      calls <= 120,
    ]);
  }
  for (const [label, ok] of checks) log(`    ${ok ? 'PASS' : 'MISS'}  ${label}`);
  const tool = by('process_tool_request');
  const insert = by('baseline_insert');
  if (tool && insert) {
    // a tool request writes (its record, the session, the audit event): the bare write beside it
    log(`    info  process_tool_request is ${(tool.rps / insert.rps).toFixed(2)}× baseline_insert`);
  }
  const turn = by('chat_turn_json');
  if (turn && insert) {
    log(`    info  chat_turn_json is ${(turn.rps / insert.rps).toFixed(2)}× baseline_insert`);
  }
  const streamed = by('chat_turn_sse');
  if (streamed && insert) {
    log(`    info  chat_turn_sse is ${(streamed.rps / insert.rps).toFixed(2)}× baseline_insert`);
  }
  const first = streamed?.first_event;
  if (first) {
    log(
      `    info  chat_turn_sse first event p50 ${first.first_event_p50_ms} ms, p99 ${first.first_event_p99_ms} ms; whole turn p50 ${first.complete_p50_ms} ms, p99 ${first.complete_p99_ms} ms (${first.turns} turns, ${first.concurrency} clients)`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
