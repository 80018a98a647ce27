import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAppConfig } from './app-config';

describe('loadAppConfig', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = join(mkdtempSync(join(tmpdir(), 'app-config-')), 'data')));
  afterEach(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  it('generates a JWT secret once in development and keeps it in DATA_DIR', () => {
    const first = loadAppConfig({ DATA_DIR: dataDir });
    const second = loadAppConfig({ DATA_DIR: dataDir });
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    const file = join(dataDir, 'jwt-secret');
    expect(readFileSync(file, 'utf8').trim()).toBe(first.jwtSecret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('uses JWT_SECRET when given and writes nothing', () => {
    const secret = 's'.repeat(40);
    expect(loadAppConfig({ DATA_DIR: dataDir, JWT_SECRET: secret }).jwtSecret).toBe(secret);
    expect(() => statSync(join(dataDir, 'jwt-secret'))).toThrow();
  });

  it('groups the settings by what reads them, with the defaults of the contract', () => {
    const config = loadAppConfig({
      DATA_DIR: dataDir,
      ACCESS_TOKEN_TTL_SECONDS: '60',
      SESSION_IDLE_TTL_SECONDS: '120',
      ADMIN_2FA_REQUIRED: 'true',
    });
    expect(config.auth).toMatchObject({
      accessTokenTtlSeconds: 60,
      refreshTokenTtlSeconds: 2_592_000,
      loginMaxFailures: 5,
      admin2faRequired: true,
      bootstrapAdmin: undefined,
    });
    expect(config.rateLimit).toMatchObject({ perMinute: 60, authPerMinute: 10 });
    expect(config.sessions).toEqual({ idleTtlSeconds: 120, maxTtlSeconds: 86_400 });
    expect(config.tools).toEqual({
      timeoutMs: 10_000,
      maxResultBytes: 262_144,
      workers: 4,
      workerMemoryMb: 256,
      userConcurrency: 1,
      userQueue: 8,
      queueSize: 64,
    });
    expect(config.idempotencyTtlSeconds).toBe(86_400);
    expect(config.chat).toMatchObject({ provider: 'builtin', maxToolRounds: 5 });
  });

  it('carries the bounds of a chat turn', () => {
    expect(loadAppConfig({ DATA_DIR: dataDir }).chat).toMatchObject({
      maxTokens: undefined,
      turnDeadlineMs: 300_000,
      toolCallConcurrency: 2,
      turnEventsRetentionSeconds: 604_800,
    });
    expect(loadAppConfig({ DATA_DIR: dataDir, CHAT_MAX_TOKENS: '512' }).chat.maxTokens).toBe(512);
  });

  it('has a bootstrap admin only when both ADMIN_EMAIL and ADMIN_PASSWORD are set', () => {
    const email = 'root@example.com';
    expect(loadAppConfig({ DATA_DIR: dataDir, ADMIN_EMAIL: email }).auth.bootstrapAdmin).toBe(
      undefined,
    );
    expect(
      loadAppConfig({ DATA_DIR: dataDir, ADMIN_EMAIL: email, ADMIN_PASSWORD: 'p'.repeat(16) }).auth
        .bootstrapAdmin,
    ).toEqual({ email, password: 'p'.repeat(16) });
  });

  it('resolves DATA_DIR to an absolute path', () => {
    expect(loadAppConfig({ DATA_DIR: dataDir }).dataDir).toBe(dataDir);
  });

  it('parses CORS_ORIGINS into a list, * into any, and defaults to local dev origins', () => {
    expect(
      loadAppConfig({ DATA_DIR: dataDir, CORS_ORIGINS: 'https://a.example, https://b.example' })
        .corsOrigins,
    ).toEqual(['https://a.example', 'https://b.example']);
    expect(loadAppConfig({ DATA_DIR: dataDir, CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(loadAppConfig({ DATA_DIR: dataDir }).corsOrigins).toContain('http://localhost:3000');
  });

  it('groups the database settings', () => {
    const config = loadAppConfig({
      DATA_DIR: dataDir,
      DATABASE_URL: 'postgres://u:p@db:5432/app',
      DB_POOL_SIZE: '5',
      DB_CONNECT_TIMEOUT_MS: '1500',
      DB_STATEMENT_TIMEOUT_MS: '4000',
    });
    expect(config.database).toEqual({
      url: 'postgres://u:p@db:5432/app',
      poolSize: 5,
      connectTimeoutMs: 1500,
      statementTimeoutMs: 4000,
    });
  });
});
