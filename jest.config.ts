import type { Config } from 'jest';

/** ts-jest with the Swagger CLI plugin, so tests see the same OpenAPI document as `nest build`. */
const transform: Config['transform'] = {
  '^.+\\.ts$': [
    'ts-jest',
    {
      tsconfig: 'tsconfig.json',
      diagnostics: false,
      astTransformers: { before: ['<rootDir>/test/support/swagger-plugin.transformer.js'] },
    },
  ],
};

/** Options of every project: `nest build` output (its own copy of package.json) is not code to test. */
const common = {
  testEnvironment: 'node',
  rootDir: '.',
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  transform,
};

const PROCESS_SUITES = [
  'test/e2e/startup.e2e-spec.ts',
  'test/e2e/cli.e2e-spec.ts',
  'test/e2e/migrations.e2e-spec.ts',
  'test/e2e/embedded-postgres.e2e-spec.ts',
  'test/e2e/sigterm-under-load.e2e-spec.ts',
  'test/e2e/session-lease.e2e-spec.ts',
  'test/e2e/sync-worker-kill.e2e-spec.ts',
];

const config: Config = {
  projects: [
    {
      displayName: 'unit',
      ...common,
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
    },
    {
      displayName: 'e2e',
      ...common,
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      testPathIgnorePatterns: PROCESS_SUITES,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      slowTestThreshold: 20,
    },
    {
      // The services themselves on the real PostgreSQL, called directly: no HTTP (test/service).
      displayName: 'service',
      ...common,
      testMatch: ['<rootDir>/test/service/**/*.service-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      // Suites that spawn the service, the CLI or npm scripts as processes: slow by nature, so
      // they are a project of their own (`npm run test:process`); `npm test` runs them too.
      displayName: 'process',
      ...common,
      testMatch: PROCESS_SUITES.map((suite) => `<rootDir>/${suite}`),
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      slowTestThreshold: 60,
    },
  ],
  testTimeout: 60_000,
  // Tests run in a new order each time (the seed is printed at the end; `--seed <n>` replays
  // it): a test that leans on another's leftovers fails here, not by chance later.
  randomize: true,
  // Each suite file leaves 50–200 MB behind in the process that ran it (`--logHeapUsage`: 389 MB
  // after the first, ~1 GB after seven). In band — Jest's choice for one worker, as on 2 cores —
  // all 70 files share one process, which reached V8's 4 GB heap limit in CI: seconds-long
  // collections stalled the suites running meanwhile, then it aborted. With a limit set, Jest
  // runs the files in a worker (one at a time, as before) and replaces it once it holds more.
  workerIdleMemoryLimit: '1GB',
};

export default config;
