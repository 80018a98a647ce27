export const ROLES = ['user', 'admin', 'super_admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a credential is bound to when it is narrower than its user, as the token's claims name it
 * (auth issues such tokens and reads them; the module that owns `kind` interprets it). An
 * Idempotency-Key is scoped by it.
 */
export interface CredentialBinding {
  id: string;
  kind: string;
  /**
   * How an Idempotency-Key's stored scope names this binding. Part of the stored key: the text a
   * kind of binding uses must not change, or retries sent across a deploy run again.
   */
  scope: string;
}

export const API_KEY_SCOPES = ['read', 'write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * Who is calling, as the auth guard established it. Services take it explicitly as their first
 * argument; the RequestHub also keeps it in the request context for audit and logging.
 */
export interface Actor {
  userId: string;
  role: Role;
  authMethod: 'jwt' | 'api_key';
  /** The login (token family) of a JWT; revoking it ends every token of that login. */
  loginId?: string;
  /** Whether the login passed a second factor (TOTP). */
  secondFactor: boolean;
  apiKeyId?: string;
  /** API keys may be read-only; JWTs carry every scope. */
  scopes: readonly ApiKeyScope[];
  /** What the access token is bound to, if anything (API.md §5.3: a session token). */
  bound?: CredentialBinding;
}
