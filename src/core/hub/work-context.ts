import type { ClsService, ClsStore } from 'nestjs-cls';
import type { Actor } from './actor';
import type { RequestContext } from './request-context';

/**
 * What every unit of work has, a request or a job: the operation it is, on whose behalf, and what
 * must run once its transaction has committed. It lives in CLS (`work`), so after-commit work,
 * log lines and audit notes deep in a call chain find it; services still take the actor
 * explicitly.
 */
export interface WorkContext {
  readonly kind: 'request' | 'job';
  operation: string;
  /** Who asked: a request's caller; a job runs on no one's behalf unless it says so. */
  actor: Actor | undefined;
  /** Registered through AfterCommit; run once the work's transaction has committed. */
  afterCommit: (() => Promise<void>)[];
}

/** A background job (`BackgroundWork.run`): its name, and an id its log lines carry. */
export interface JobContext extends WorkContext {
  readonly kind: 'job';
  /** `job:<name>:<uuid>`, also the CLS id (the `request_id` of its log lines). */
  id: string;
}

export interface HubClsStore extends ClsStore {
  work?: RequestContext | JobContext;
}

/** The request in flight, when the current work is one (not a job, not outside any work). */
export function currentRequest(cls: ClsService<HubClsStore>): RequestContext | undefined {
  const work = cls.isActive() ? cls.get('work') : undefined;
  return work?.kind === 'request' ? work : undefined;
}
