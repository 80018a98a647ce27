export const ROLES = ['user', 'admin', 'super_admin'] as const;
export type Role = (typeof ROLES)[number];

export const SESSION_KINDS = ['tool', 'chat'] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

/** A tool or chat session bound into an access token (`POST /auth/session-token`). */
export interface BoundSession {
  id: string;
  kind: SessionKind;
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
  /** The session the access token binds, for the `current` routes (API.md §5.3). */
  session?: BoundSession;
}
