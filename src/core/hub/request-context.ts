import type { ResponseMeta } from '../http/envelope';
import type { ResponseMode } from '../http/event-stream';
import type { Actor } from './actor';
import type { OperationMetadata } from './operation.decorator';
import type { WorkContext } from './work-context';

export type { HubClsStore } from './work-context';

/**
 * What the RequestHub knows about the request in flight: the work (operation, actor, after-commit
 * work) and everything HTTP about it. It lives in CLS (`work`), for hooks, the filter and logging.
 */
export interface RequestContext extends WorkContext {
  readonly kind: 'request';
  requestId: string;
  /** Set by the auth guard; absent on public routes. */
  actor: Actor | undefined;
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
  /** The status a success answers with (@HttpCode, else 201 for POST, 200 otherwise). */
  successStatus: number;
  /** Fields a hook adds to the envelope's `meta` (on success and on error), after `hooks`. */
  responseMeta?: Record<string, unknown>;
  /** Headers a hook adds to a successful answer (JSON or the start of a stream). */
  responseHeaders?: Record<string, string>;
}

/** `meta` for a response, from the CLS context when the hub has built one. */
export function buildMeta(requestId: string, ctx: RequestContext | undefined): ResponseMeta {
  const meta: ResponseMeta = { request_id: requestId, timestamp: new Date().toISOString() };
  if (!ctx) return meta;
  meta.operation = ctx.operation;
  meta.hooks = ctx.hooks;
  return ctx.responseMeta ? Object.assign(meta, ctx.responseMeta) : meta;
}
