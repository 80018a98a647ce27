import type { SessionEntity } from './session.entity';

export { SESSION_KINDS, type SessionKind } from '../auth';
export { SESSION_STATUSES, type SessionStatus } from './session.entity';

/** A tool or chat session, as the session core hands it to the modules built on it. */
export type Session = Omit<SessionEntity, 'busyToken'>;

/**
 * How an operation uses the session it names (the `session_lifecycle` hook checks it): `read` —
 * its creator or a viewer of its casefile; `own` — its creator (close); `run` — its creator,
 * while it is active, one request at a time (the busy lease), with editor on its casefile.
 */
export type SessionAccess = 'read' | 'own' | 'run';
