import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import { IS_PUBLIC } from '../../../core/http/public.decorator';
import type { Actor } from '../../../core/hub/actor';
import { ExpiredTokenError, InvalidTokenError, MissingCredentialsError } from '../auth.errors';

/**
 * The one global guard, fail-closed: every route needs a valid identity unless it is
 * `@Public()`. Passport's outcomes become contract codes: no token → AUTH_MISSING_TOKEN,
 * expired → AUTH_EXPIRED_TOKEN, anything else wrong → AUTH_INVALID_TOKEN.
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic ? true : super.canActivate(context);
  }

  override handleRequest<T = Actor>(error: unknown, actor: T | false, info: unknown): T {
    if (error) throw error instanceof Error ? error : new InvalidTokenError();
    if (actor) return actor;
    const { name, message } = (info ?? {}) as { name?: string; message?: string };
    if (name === 'TokenExpiredError') throw new ExpiredTokenError();
    if (message === 'No auth token') throw new MissingCredentialsError();
    throw new InvalidTokenError();
  }
}
