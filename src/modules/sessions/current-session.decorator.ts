import { createParamDecorator } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import type { HubClsStore } from '../../core/hub/request-context';
import type { SessionRow } from './sessions.repository';

/**
 * The session the `session_lifecycle` hook resolved for this request (access checked, expiry
 * applied, the busy lease held for `run`). Only on operations declared with `{session}`.
 */
export const CurrentSession = createParamDecorator((): SessionRow => {
  const session = ClsServiceManager.getClsService<HubClsStore>().get('requestContext')?.session;
  if (!session) throw new Error('@CurrentSession() used on an operation without {session}');
  return session as SessionRow;
});
