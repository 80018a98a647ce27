import type { ClsStore } from 'nestjs-cls';
import type { ResponseMeta } from '../http/envelope';
import type { ResponseMode } from '../http/event-stream';
import type { Actor, ResolvedSession } from './actor';
import type { OperationMetadata } from './operation.decorator';

/** What a service said about its operation for the audit event (see AuditTrail). */
export interface AuditNote {
  /** Whose event it is when there is no actor yet (login, register). */
  userId?: string;
  resourceType?: string;
  resourceId?: string;
  casefileId?: string;
  /** Safe facts only: never a password, token, key or OTP secret. */
  details?: Record<string, unknown>;
}

/**
 * What the RequestHub knows about the request in flight. It lives in CLS, so audit, logging and
 * repositories deep in the call chain can read it; services still receive the actor explicitly.
 */
export interface RequestContext {
  requestId: string;
  /** Set by the auth guard; absent on public routes. */
  actor: Actor | undefined;
  operation: string;
  /** The operation's declared options (transaction, body limit, streams, …), for hooks. */
  options: Readonly<OperationMetadata>;
  /** The route's path parameters (`{id: …}`), e.g. the session a lifecycle hook resolves. */
  params: Readonly<Record<string, string>>;
  /**
   * The parsed JSON body as it arrived (not yet validated: the pipes run after the hooks), for a
   * hook that checks what the body names.
   */
  body: unknown;
  /** JSON envelope or SSE stream, decided for this request (see responseModeOf). */
  responseMode: ResponseMode;
  method: string;
  /** The route template (`/v1/casefiles/:id`), never the raw path. */
  route: string;
  startedAt: number;
  ip: string | undefined;
  userAgent: string | undefined;
  /** Names of the hooks that run for this request, in order; echoed as `meta.hooks`. */
  hooks: string[];
  /** Set by the session_lifecycle hook when a tool or chat session was resolved. */
  sessionId?: string;
  sessionRecreated?: boolean;
  /** The resolved session itself, for the handler (`@CurrentSession()`). */
  session?: ResolvedSession;
  /** The busy lease this request holds on the session (`run` operations), released after it. */
  sessionLease?: string;
  /** The status a success answers with (@HttpCode, else 201 for POST, 200 otherwise). */
  successStatus: number;
  audit?: AuditNote;
  /** Set once the success event is written by the operation itself, in its own transaction. */
  auditWritten?: boolean;
  /** Registered through AfterCommit; run by the hub once the transaction has committed. */
  afterCommit: (() => Promise<void>)[];
}

export interface HubClsStore extends ClsStore {
  requestContext?: RequestContext;
}

/** `meta` for a response, from the CLS context when the hub has built one. */
export function buildMeta(requestId: string, ctx: RequestContext | undefined): ResponseMeta {
  const meta: ResponseMeta = { request_id: requestId, timestamp: new Date().toISOString() };
  if (!ctx) return meta;
  meta.operation = ctx.operation;
  meta.hooks = ctx.hooks;
  if (ctx.sessionId) meta.session_id = ctx.sessionId;
  if (ctx.sessionRecreated) meta.session_recreated = true;
  return meta;
}
