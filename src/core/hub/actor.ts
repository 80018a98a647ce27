export const ROLES = ['user', 'admin', 'super_admin'] as const;
export type Role = (typeof ROLES)[number];

export const SESSION_KINDS = ['tool', 'chat'] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

/** A tool or chat session bound into an access token (`POST /auth/session-token`). */
export interface BoundSession {
  id: string;
  kind: SessionKind;
}

/**
 * How an operation uses the session it names (the `session_lifecycle` hook checks it): `read` —
 * its creator or a viewer of its casefile; `own` — its creator (close); `run` — its creator,
 * while it is active, one request at a time (the busy lease), with editor on its casefile.
 */
export type SessionAccess = 'read' | 'own' | 'run';

/** The operation works on a session: by the path's `:id`, or the token's binding (`bound`). */
export interface SessionOperation {
  kind: SessionKind;
  access: SessionAccess;
  bound?: boolean;
}

/** What the hub knows of the session a request resolved (the lifecycle hook's full row). */
export interface ResolvedSession {
  id: string;
  kind: SessionKind;
  userId: string;
  casefileId: string | null;
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
