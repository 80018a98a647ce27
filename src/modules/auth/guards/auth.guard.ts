import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '../../../platform/errors/domain-error';
import { isPublicRoute } from '../../../core/http/public.decorator';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { JwtStrategy } from '../tokens/jwt.strategy';

declare module 'express' {
  interface Request {
    /** Why authentication failed; raised by AuthorizationGuard after the rate limiter has counted. */
    authError?: DomainError;
  }
}

/**
 * First of the three global guards: identifies the caller. `X-API-Key` authenticates as the key's
 * owner (and wins over a bearer token sent with it); otherwise the bearer token, whose failures
 * become contract codes: none → AUTH_MISSING_TOKEN, expired → AUTH_EXPIRED_TOKEN, anything else →
 * AUTH_INVALID_TOKEN. A failure is kept on the request, not thrown, so that RateLimitGuard counts
 * it (per IP) before AuthorizationGuard answers with it.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly jwtStrategy: JwtStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (isPublicRoute(this.reflector, context)) return true;
    const req = context.switchToHttp().getRequest<Request>();
    try {
      const apiKey = req.headers['x-api-key'];
      req.user =
        typeof apiKey === 'string'
          ? await this.apiKeys.authenticate(apiKey)
          : await this.jwtStrategy.actorOf(req);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      req.user = undefined;
      req.authError = error;
    }
    return true;
  }
}
