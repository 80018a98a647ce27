import { createParamDecorator } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import type { Session } from './session';

/** The sessions module's slot in the request's CLS context: what its hook resolved. */
export const SESSION_SLOT = 'sessions:current';

export interface SessionSlot {
  session: Session;
  /** The busy lease this request holds on it (`run` operations), released after the request. */
  lease?: string;
}

/**
 * The session the `session_lifecycle` hook resolved for this request (access checked, expiry
 * applied, the busy lease held for `run`). Only on operations declared with `@UsesSession()`.
 */
export const CurrentSession = createParamDecorator((): Session => {
  const slot = ClsServiceManager.getClsService().get<SessionSlot | undefined>(SESSION_SLOT);
  if (!slot) throw new Error('@CurrentSession() used on an operation without @UsesSession()');
  return slot.session;
});
