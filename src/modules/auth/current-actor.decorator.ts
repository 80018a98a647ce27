import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor } from '../../core/hub/actor';

/** The authenticated caller. Only on guarded routes: a public route has no actor to give. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const actor = context.switchToHttp().getRequest<Request>().user as Actor | undefined;
  if (!actor) throw new Error('@CurrentActor() used on a route without an authenticated actor');
  return actor;
});
