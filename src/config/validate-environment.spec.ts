import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigValidationError,
  ENVIRONMENT_VARIABLE_NAMES,
  validateEnvironment,
} from './validate-environment';

function errorFor(env: NodeJS.ProcessEnv): ConfigValidationError {
  try {
    validateEnvironment(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigValidationError');
}

describe('validateEnvironment', () => {
  it('applies the defaults of API.md §9 to an empty environment', () => {
    const env = validateEnvironment({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      DATA_DIR: './.data',
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_SECONDS: 2_592_000,
      RATE_LIMIT_PER_MINUTE: 60,
      AUTH_RATE_LIMIT_PER_MINUTE: 10,
      LOGIN_MAX_FAILURES: 5,
      SESSION_IDLE_TTL_SECONDS: 1800,
      SESSION_MAX_TTL_SECONDS: 86_400,
      TOOL_TIMEOUT_MS: 10_000,
      CHAT_PROVIDER: 'builtin',
      CHAT_MAX_TOOL_ROUNDS: 5,
      ADMIN_2FA_REQUIRED: false,
      LOG_LEVEL: 'info',
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
  });

  it('parses numbers and booleans from strings', () => {
    const env = validateEnvironment({
      PORT: '8080',
      ADMIN_2FA_REQUIRED: 'true',
      DB_POOL_SIZE: '25',
    });
    expect(env.PORT).toBe(8080);
    expect(env.ADMIN_2FA_REQUIRED).toBe(true);
    expect(env.DB_POOL_SIZE).toBe(25);
  });

  it('treats an empty variable as unset', () => {
    expect(validateEnvironment({ PORT: '', DATABASE_URL: '' })).toMatchObject({ PORT: 3000 });
  });

  describe('Google connections', () => {
    const client = {
      GOOGLE_CLIENT_ID: 'id.apps.googleusercontent.com',
      GOOGLE_CLIENT_SECRET: 'secret',
      GOOGLE_REDIRECT_URI: 'https://hub.example/v1/google/oauth/callback',
    };

    it('takes the OAuth client whole, or not at all', () => {
      expect(validateEnvironment(client)).toMatchObject(client);
      expect(validateEnvironment({})).not.toHaveProperty('GOOGLE_CLIENT_ID');
      for (const missing of Object.keys(client)) {
        const partial = { ...client, [missing]: undefined };
        expect(errorFor(partial).variable).toBe('GOOGLE_CLIENT_ID');
      }
    });

    it('refuses return URLs that are not http(s) URLs', () => {
      expect(
        validateEnvironment({
          ...client,
          GOOGLE_RETURN_URLS: 'https://a.example/x, http://b.test',
        }),
      ).toBeDefined();
      for (const bad of ['javascript:alert(1)', 'https://a.example,/relative', 'ftp://x']) {
        expect(errorFor({ ...client, GOOGLE_RETURN_URLS: bad }).variable).toBe(
          'GOOGLE_RETURN_URLS',
        );
      }
    });
  });

  it('ignores variables it does not know', () => {
    expect(validateEnvironment({ PATH: '/bin', HOME: '/root' })).not.toHaveProperty('PATH');
  });

  it.each([
    ['PORT', 'abc', 'PORT must be an integer number'],
    ['PORT', '70000', 'PORT must not be greater than 65535'],
    ['PORT', '3.5', 'PORT must be an integer number'],
    ['NODE_ENV', 'staging', 'NODE_ENV must be one of the following values'],
    ['DATABASE_URL', 'mysql://localhost/db', 'DATABASE_URL must be a postgres:// URL'],
    ['REDIS_URL', 'localhost:6379', 'REDIS_URL must be a redis:// or rediss:// URL'],
    ['ADMIN_2FA_REQUIRED', 'yes', 'ADMIN_2FA_REQUIRED must be a boolean value'],
    ['CORS_ORIGINS', 'example.com', 'CORS_ORIGINS must be a comma-separated list'],
    ['JWT_SECRET', 'too-short', 'JWT_SECRET must be longer than or equal to 32 characters'],
    ['CHAT_PROVIDER', 'anthropic', 'CHAT_PROVIDER must be one of the following values'],
  ])('rejects %s=%s with one line naming it', (name, value, message) => {
    const error = errorFor({ [name]: value });
    expect(error.variable).toBe(name);
    expect(error.message).toContain(`Invalid configuration: ${message}`);
    expect(error.message).not.toContain('\n');
  });

  it('never echoes the rejected value', () => {
    expect(errorFor({ JWT_SECRET: 'my-secret-but-too-short' }).message).not.toContain('my-secret');
  });

  it('requires JWT_SECRET in production only', () => {
    expect(errorFor({ NODE_ENV: 'production' }).variable).toBe('JWT_SECRET');
    expect(() =>
      validateEnvironment({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }),
    ).not.toThrow();
  });

  it('checks that the session cap is not below the idle TTL', () => {
    const error = errorFor({ SESSION_IDLE_TTL_SECONDS: '7200', SESSION_MAX_TTL_SECONDS: '3600' });
    expect(error.variable).toBe('SESSION_MAX_TTL_SECONDS');
  });

  it('needs a base URL and model for the openai chat provider', () => {
    expect(errorFor({ CHAT_PROVIDER: 'openai' }).variable).toBe('CHAT_PROVIDER');
    expect(() =>
      validateEnvironment({
        CHAT_PROVIDER: 'openai',
        OPENAI_BASE_URL: 'http://127.0.0.1:9999/v1',
        CHAT_MODEL: 'gpt-test',
      }),
    ).not.toThrow();
  });

  it('bounds chat turns: no max_tokens, a 5-minute deadline, two tool calls at once, 7 days of events', () => {
    const env = validateEnvironment({});
    expect(env.CHAT_MAX_TOKENS).toBeUndefined();
    expect(env).toMatchObject({
      CHAT_TURN_DEADLINE_MS: 300_000,
      CHAT_TOOL_CALL_CONCURRENCY: 2,
      CHAT_TURN_EVENTS_RETENTION_SECONDS: 604_800,
    });
    expect(validateEnvironment({ CHAT_MAX_TOKENS: '1024' }).CHAT_MAX_TOKENS).toBe(1024);
  });

  it.each([
    ['CHAT_MAX_TOKENS', '0'],
    ['CHAT_MAX_TOKENS', 'many'],
    ['CHAT_TURN_DEADLINE_MS', '10'],
    ['CHAT_TOOL_CALL_CONCURRENCY', '0'],
    ['CHAT_TOOL_CALL_CONCURRENCY', '17'],
    ['CHAT_TURN_EVENTS_RETENTION_SECONDS', '59'],
  ])('rejects %s=%s', (name, value) => {
    expect(errorFor({ [name]: value }).variable).toBe(name);
  });

  it('.env.example documents exactly the variables the service reads', () => {
    const example = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
    const documented = [...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((match) => match[1]);
    expect([...documented].sort()).toEqual([...ENVIRONMENT_VARIABLE_NAMES].sort());
  });

  it('.env.example itself is a valid configuration', () => {
    const example = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
    const env = Object.fromEntries(
      [...example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((match) => [match[1], match[2]]),
    );
    expect(() => validateEnvironment(env)).not.toThrow();
  });
});
