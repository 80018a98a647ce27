/**
 * The session core's face (docs/architecture.md, "Floors and rooms"): what the modules built on
 * it — tool sessions and chat — and the app use. Its repository, entity and resolver stay inside.
 */
export { SessionsModule } from './sessions.module';
export { SessionsService } from './sessions.service';
export { SessionLifecycleHook } from './session-lifecycle.hook';
export { sessionOperations } from './session.metrics';
export {
  type Session,
  type SessionAccess,
  type SessionKind,
  type SessionStatus,
  SESSION_KINDS,
  SESSION_STATUSES,
} from './session';
export { type SessionOperation, UsesSession } from './uses-session.decorator';
export { CurrentSession } from './current-session.decorator';
export {
  ListSessionsQuery,
  sessionLifecycleOf,
  ToolSessionDto,
  toToolSessionDto,
} from './dto/session.dto';
