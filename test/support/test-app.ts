import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModuleMetadata } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { configureApp, NEST_APP_OPTIONS } from '../../src/app.setup';
import { loadAppConfig } from '../../src/config/app-config';
import { ContractCheck } from './contract-check';
import { LogCapture } from './log-capture';
import { assertTestDatabase, testDatabaseUrl } from './test-database';

/** The signing key of every test instance, so tokens one issues are good on another. */
export const TEST_JWT_SECRET = 'test-only-secret-that-is-at-least-32-characters';

export interface TestAppOptions {
  /** Environment variables on top of the test defaults (never the process environment). */
  env?: Record<string, string>;
  /** Another database than the run's shared one (the resilience test brings its own). */
  databaseUrl?: string;
  /** Extra modules, e.g. the platform probe. */
  imports?: ModuleMetadata['imports'];
  /** Provider overrides by factory, e.g. a different REQUEST_HOOKS list. */
  overrides?: ProviderOverride[];
}

export interface ProviderOverride {
  token: string | symbol | (abstract new (...args: never[]) => unknown);
  factory: (...deps: never[]) => unknown;
  inject?: (string | symbol | (abstract new (...args: never[]) => unknown))[];
}

export interface TestApp {
  app: NestExpressApplication;
  logs: LogCapture;
  /** What the responses so far broke of the OpenAPI document (close() fails on any). */
  contract: ContractCheck;
  close(): Promise<void>;
}

/**
 * The real application (same AppModule, same configureApp() as main.ts) on a real PostgreSQL with
 * migrations applied, listening on an ephemeral port. Logs are captured, not printed.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const { moduleRef, logs, dataDir } = await compileTestModule(options);
  const app = moduleRef.createNestApplication<NestExpressApplication>(NEST_APP_OPTIONS);
  configureApp(app);
  const contract = new ContractCheck(app);
  app.use(contract.middleware);
  await app.init();
  contract.prepare();
  await app.listen(0, '127.0.0.1');
  return {
    app,
    logs,
    contract,
    close: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
      // every response the suite received was checked against the served OpenAPI document
      contract.assertClean();
    },
  };
}

/**
 * The application's module tree (the same AppModule as main.ts) compiled on the test database,
 * with the test configuration; no HTTP. Shared by the e2e app and the service-level context.
 */
export async function compileTestModule(options: TestAppOptions = {}) {
  const databaseUrl = options.databaseUrl ?? testDatabaseUrl();
  assertTestDatabase(databaseUrl);
  const dataDir = mkdtempSync(join(tmpdir(), 'casefile-hub-app-'));
  const config = loadAppConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'info',
    // Suites register and log in far more than 10 times a minute from one IP; the rate-limit
    // suite sets its own limits.
    RATE_LIMIT_PER_MINUTE: '100000',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    // each worker process compiles the tools with ts-node as it starts: two are enough here
    TOOL_WORKERS: '2',
    // the suites share one PostgreSQL on a 2-core machine: under the heavy ones a new connection
    // can take seconds (the database-resilience suite sets the production default itself)
    DB_CONNECT_TIMEOUT_MS: '10000',
    ...options.env,
  });
  const logs = new LogCapture();
  let builder = Test.createTestingModule({
    imports: [
      AppModule.forRoot({ config, databaseUrl, logDestination: logs }),
      ...(options.imports ?? []),
    ],
  });
  for (const override of options.overrides ?? []) {
    builder = builder
      .overrideProvider(override.token)
      .useFactory({ factory: override.factory, inject: override.inject });
  }
  return { moduleRef: await builder.compile(), logs, dataDir };
}
