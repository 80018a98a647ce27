import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { EnvironmentVariables } from './environment';

/** The names of all variables EnvironmentVariables declares, read from their validation metadata (one list, no copy). */
export const ENVIRONMENT_VARIABLE_NAMES: readonly string[] = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentVariables, '', false, false)
      .map((metadata) => metadata.propertyName),
  ),
];

const TYPE_CONSTRAINTS = ['isInt', 'isBoolean', 'isIn', 'isString'];

export class ConfigValidationError extends Error {
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * Validates the raw environment once. Throws a ConfigValidationError whose message is one line
 * naming the first bad variable (and never echoing its value: it may be a secret).
 */
export function validateEnvironment(raw: NodeJS.ProcessEnv): EnvironmentVariables {
  // An empty variable counts as unset, so `PORT=` in a .env file means "use the default".
  const picked = Object.fromEntries(
    Object.entries(raw).filter(
      ([key, value]) => ENVIRONMENT_VARIABLE_NAMES.includes(key) && value?.trim(),
    ),
  );
  const env = plainToInstance(EnvironmentVariables, picked, { exposeDefaultValues: true });
  const [first] = validateSync(env, { forbidUnknownValues: true });
  if (first) {
    const constraints = first.constraints ?? {};
    // "must be an integer" says more about `PORT=abc` than "must not be greater than 65535".
    const typeRule = TYPE_CONSTRAINTS.find((name) => name in constraints);
    const reason =
      (typeRule && constraints[typeRule]) ?? Object.values(constraints)[0] ?? 'is invalid';
    throw new ConfigValidationError(first.property, reason.replace(`${first.property} `, ''));
  }
  if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
    throw new ConfigValidationError('JWT_SECRET', 'is required in production (at least 32 chars)');
  }
  if (env.SESSION_MAX_TTL_SECONDS < env.SESSION_IDLE_TTL_SECONDS) {
    throw new ConfigValidationError(
      'SESSION_MAX_TTL_SECONDS',
      'must be at least SESSION_IDLE_TTL_SECONDS',
    );
  }
  const google = [env.GOOGLE_CLIENT_ID, env.GOOGLE_CLIENT_SECRET, env.GOOGLE_REDIRECT_URI];
  if (google.some(Boolean) && !google.every(Boolean)) {
    throw new ConfigValidationError(
      'GOOGLE_CLIENT_ID',
      'needs GOOGLE_CLIENT_SECRET and GOOGLE_REDIRECT_URI with it (all three, or none)',
    );
  }
  const returnUrls = (env.GOOGLE_RETURN_URLS ?? '').split(',').filter((url) => url.trim());
  if (returnUrls.some((url) => !isHttpUrl(url.trim()))) {
    throw new ConfigValidationError(
      'GOOGLE_RETURN_URLS',
      'must list http(s) URLs, comma-separated',
    );
  }
  if (env.CHAT_PROVIDER === 'openai' && (!env.OPENAI_BASE_URL || !env.CHAT_MODEL)) {
    throw new ConfigValidationError('CHAT_PROVIDER', 'openai needs OPENAI_BASE_URL and CHAT_MODEL');
  }
  return env;
}

/** An absolute http(s) URL that `new URL` accepts (a port past 65535 or a bad host does not). */
function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\/[^\s/]+/.test(text)) return false;
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}
