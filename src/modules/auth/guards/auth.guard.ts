import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { DomainError } from '../../../core/errors/domain-error';
import { IS_PUBLIC } from '../../../core/http/public.decorator';
import type { Actor } from '../../../core/hub/actor';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { ExpiredTokenError, InvalidTokenError, MissingCredentialsError } from '../auth.errors';

declare module 'express' {
  interface Request {
    /** Why authentication failed; raised by AccessGuard after the rate limiter has counted. */
    authError?: DomainError;
  }
}

/**
 * First of the three global guards: identifies the caller. `X-API-Key` authenticates as the key's
 * owner (and wins over a bearer token sent with it); otherwise the bearer token, whose failures
 * become contract codes: none → AUTH_MISSING_TOKEN, expired → AUTH_EXPIRED_TOKEN, anything else →
 * AUTH_INVALID_TOKEN. A failure is kept on the request, not thrown, so that RateLimitGuard counts
 * it (per IP) before AccessGuard answers with it.
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (isPublic(this.reflector, context)) return true;
    const req = context.switchToHttp().getRequest<Request>();
    try {
      const apiKey = req.headers['x-api-key'];
      if (typeof apiKey === 'string') req.user = await this.apiKeys.authenticate(apiKey);
      else await super.canActivate(context);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      req.user = undefined;
      req.authError = error;
    }
    return true;
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

export function isPublic(reflector: Reflector, context: ExecutionContext): boolean {
  return (
    reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]) === true
  );
}
