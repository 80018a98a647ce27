import type { Actor, CredentialBinding } from '../../../core/hub/actor';

/** The kinds of session an access token can bind (its `session_kind` claim, API.md §5.3). */
export const SESSION_KINDS = ['tool', 'chat'] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

/** A tool or chat session bound into an access token (`POST /auth/session-token`). */
export interface BoundSession {
  id: string;
  kind: SessionKind;
}

/**
 * The binding an access token of `session` gives its actor. Its scope is the text Idempotency-Key
 * records of such tokens have always been stored under (` session:<id>`): it must not change.
 */
export function bindingOf(session: BoundSession): CredentialBinding {
  return { id: session.id, kind: session.kind, scope: `session:${session.id}` };
}

/**
 * The session the caller's access token binds, if any. The claims were checked when the token
 * was read (jwt.strategy.ts: both or neither, a UUID and a known kind).
 */
export function boundSessionOf(actor: Actor): BoundSession | undefined {
  const bound = actor.bound;
  if (!bound || !SESSION_KINDS.includes(bound.kind as SessionKind)) return undefined;
  return { id: bound.id, kind: bound.kind as SessionKind };
}
