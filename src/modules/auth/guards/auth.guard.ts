import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { IS_PUBLIC } from '../../../core/http/public.decorator';
import type { Actor } from '../../../core/hub/actor';
import { ApiKeysService } from '../api-keys/api-keys.service';
import {
  ExpiredTokenError,
  InvalidTokenError,
  MissingCredentialsError,
  ReadOnlyKeyError,
} from '../auth.errors';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one global guard, fail-closed: every route needs a valid identity unless it is
 * `@Public()`. `X-API-Key` authenticates as the key's owner (and wins over a bearer token sent
 * with it); otherwise the bearer token, whose failures become contract codes: none →
 * AUTH_MISSING_TOKEN, expired → AUTH_EXPIRED_TOKEN, anything else → AUTH_INVALID_TOKEN.
 * Read-only keys are refused on every route that is not a read.
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
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const apiKey = req.headers['x-api-key'];
    if (typeof apiKey === 'string') {
      req.user = await this.apiKeys.authenticate(apiKey);
    } else {
      await super.canActivate(context);
    }
    const actor = req.user as Actor;
    if (!actor.scopes.includes('write') && !READ_METHODS.has(req.method)) {
      throw new ReadOnlyKeyError();
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
