/**
 * `npm run bench [-- --quick] [-- --rows 1000000] [-- --cpu-prof]`
 *
 * Starts the real service (the build in dist/, production mode) on its own database (an
 * embedded PostgreSQL in a temporary directory, or DATABASE_URL), seeds users and casefiles with
 * SQL, and measures with autocannon, in one run: a bare NestJS + pg endpoint (bench/baseline, the
 * yardstick), GET /v1/casefiles/:id, GET /v1/casefiles, POST /v1/casefiles and a bare insert.
 * Prints req/s, p50/p99 and the ratio to the baseline, and writes bench/results.json.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { startDatabaseServer } from '../src/database/database-server';

interface Options {
  quick: boolean;
  rows: number;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  cpuProf: boolean;
}

interface Scenario {
  name: string;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  ratio_to_baseline: number;
}

const BASE_ROWS = 10_000;
const ROOT = resolve(__dirname, '..');
const PRODUCT_PORT = 3901;
const BASELINE_PORT = 3902;
const PASSWORD = 'Sturdy-load-test-passphrase-42';

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
    cpuProf: argv.includes('--cpu-prof'),
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

function startProduct(databaseUrl: string, options: Options): ChildProcess {
  const args = options.cpuProf
    ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, 'bench', 'profiles')}`]
    : [];
  return spawn(process.execPath, [...args, join(ROOT, 'dist', 'src', 'main.js')], {
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
    },
    // the JSON access log is written, as in production, to /dev/null
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function startBaseline(databaseUrl: string): ChildProcess {
  return fork(join(ROOT, 'bench', 'baseline', 'main.ts'), [], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, PORT: String(BASELINE_PORT) },
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
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

async function measure(
  name: string,
  options: Options,
  request: autocannon.Request & { url: string },
): Promise<Omit<Scenario, 'ratio_to_baseline'>> {
  const { url, ...req } = request;
  const run = (duration: number) =>
    autocannon({ url, connections: options.connections, duration, requests: [req] });
  await run(options.warmupSeconds);
  const result = await run(options.durationSeconds);
  const failures = result.errors + result.timeouts + result.non2xx;
  if (failures > 0) {
    throw new Error(
      `${name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return {
    name,
    rps: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'casefile-hub-bench-'));
  // traversable, so as root the postgres user keeps the cluster here, removed with the folder
  chmodSync(dataDir, 0o755);
  const database = await startDatabaseServer({
    url: process.env.DATABASE_URL,
    dataDir,
    database: 'casefile_hub_bench',
    ephemeral: true,
  });
  let product: ChildProcess | undefined;
  let baseline: ChildProcess | undefined;
  const db = new Client({ connectionString: database.url });
  try {
    product = startProduct(database.url, options);
    await waitFor(`http://127.0.0.1:${PRODUCT_PORT}/health`);
    baseline = startBaseline(database.url);
    await waitFor(`http://127.0.0.1:${BASELINE_PORT}/rows/00000000-0000-0000-0000-000000000000`);
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
    const pick = () => ids[Math.floor(Math.random() * ids.length)];
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const product_ = `http://127.0.0.1:${PRODUCT_PORT}`;
    const baseline_ = `http://127.0.0.1:${BASELINE_PORT}`;
    const createBody = JSON.stringify({ title: 'Bench casefile', tags: ['bench'] });

    log(
      `casefile-hub bench: ${BASE_ROWS.toLocaleString('en')} casefiles, ${options.connections} connections, ${options.durationSeconds}s per scenario, ${cpus().length} cores`,
    );
    const raw = [
      await measure('baseline_nest_pg', options, {
        url: baseline_,
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: `/rows/${pick()}` }),
      }),
      await measure('get_casefile', options, {
        url: product_,
        method: 'GET',
        headers: auth,
        setupRequest: (req) => ({ ...req, path: `/v1/casefiles/${pick()}` }),
      }),
      await measure('list_casefiles', options, {
        url: product_,
        method: 'GET',
        path: '/v1/casefiles',
        headers: auth,
      }),
      await measure('baseline_insert', options, {
        url: baseline_,
        method: 'POST',
        path: '/rows',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Bench casefile', owner_id: user.id }),
      }),
      await measure('create_casefile', options, {
        url: product_,
        method: 'POST',
        path: '/v1/casefiles',
        headers: auth,
        body: createBody,
      }),
    ];
    const rpsOf = (name: string) => raw.find((s) => s.name === name)?.rps ?? NaN;
    const ratio = (rps: number, of: string) => Math.round((rps / rpsOf(of)) * 100) / 100;
    const scenarios: Scenario[] = raw.map((s) => ({
      ...s,
      ratio_to_baseline: ratio(
        s.rps,
        s.name.includes('insert') || s.name.startsWith('create')
          ? 'baseline_insert'
          : 'baseline_nest_pg',
      ),
    }));

    if (options.rows > BASE_ROWS) {
      log(`seeding up to ${options.rows.toLocaleString('en')} casefiles …`);
      await seedCasefiles(db, user.id, options.rows);
      const list = await measure(`list_casefiles_${options.rows}`, options, {
        url: product_,
        method: 'GET',
        path: '/v1/casefiles',
        headers: auth,
      });
      scenarios.push({ ...list, ratio_to_baseline: ratio(list.rps, 'baseline_nest_pg') });
    }

    printTable(scenarios);
    printTargets(scenarios, options);
    writeFileSync(
      join(ROOT, 'bench', 'results.json'),
      `${JSON.stringify(
        {
          scenarios,
          run: {
            at: new Date().toISOString(),
            rows: options.rows,
            connections: options.connections,
            duration_seconds: options.durationSeconds,
            cores: cpus().length,
            node: process.version,
            database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded',
          },
        },
        null,
        2,
      )}\n`,
    );
    log(`wrote bench/results.json (${Math.round((Date.now() - started) / 1000)} s in all)`);
  } finally {
    await db.end().catch(() => undefined);
    await stop(baseline);
    await stop(product);
    await database.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function printTable(scenarios: Scenario[]): void {
  const pad = (value: string | number, width: number) => String(value).padStart(width);
  log(
    `\n${'scenario'.padEnd(26)}${pad('req/s', 9)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('× baseline', 12)}`,
  );
  for (const s of scenarios) {
    log(
      `${s.name.padEnd(26)}${pad(s.rps, 9)}${pad(s.p50_ms, 9)}${pad(s.p99_ms, 9)}${pad(s.ratio_to_baseline.toFixed(2), 12)}`,
    );
  }
}

function printTargets(scenarios: Scenario[], options: Options): void {
  const by = (name: string) => scenarios.find((s) => s.name === name);
  const get = by('get_casefile');
  const create = by('create_casefile');
  const checks: [string, boolean][] = [];
  if (get) {
    checks.push([
      `get_casefile ≥ 0.60× baseline (${get.ratio_to_baseline.toFixed(2)})`,
      get.ratio_to_baseline >= 0.6,
    ]);
    checks.push([
      `get_casefile p99 < 50 ms at ${options.connections} connections (${get.p99_ms} ms)`,
      get.p99_ms < 50,
    ]);
  }
  if (create) {
    checks.push([
      `create_casefile ≥ 0.35× bare insert (${create.ratio_to_baseline.toFixed(2)})`,
      create.ratio_to_baseline >= 0.35,
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
  log('\ntargets');
  for (const [label, ok] of checks) log(`  ${ok ? 'PASS' : 'MISS'}  ${label}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
