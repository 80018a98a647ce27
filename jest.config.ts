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

const config: Config = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      transform,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      slowTestThreshold: 20,
    },
  ],
  testTimeout: 60_000,
};

export default config;
