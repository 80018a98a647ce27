import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import passport from 'passport';
import { DomainError } from '../../../core/errors/domain-error';
import { IS_PUBLIC } from '../../../core/http/public.decorator';
import type { Actor } from '../../../core/hub/actor';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { ExpiredTokenError, InvalidTokenError, MissingCredentialsError } from '../auth.errors';
import { JwtStrategy } from '../tokens/jwt.strategy';

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
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly jwtStrategy: JwtStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (isPublic(this.reflector, context)) return true;
    const req = context.switchToHttp().getRequest<Request>();
    try {
      const apiKey = req.headers['x-api-key'];
      req.user =
        typeof apiKey === 'string'
          ? await this.apiKeys.authenticate(apiKey)
          : await this.verifyBearer(req, context.switchToHttp().getResponse<Response>());
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      req.user = undefined;
      req.authError = error;
    }
    return true;
  }

  /**
   * passport-jwt through this app's own strategy instance, not passport's process-wide registry
   * by name (where the last app built in a process would answer for all of them). Each request
   * gets its own object: passport attaches per-request callbacks to the strategy it is given.
   */
  private verifyBearer(req: Request, res: Response): Promise<Actor> {
    return new Promise((resolve, reject) => {
      const strategy = Object.create(this.jwtStrategy) as passport.Strategy;
      const authenticate = passport.authenticate(
        strategy,
        { session: false },
        (error: unknown, actor: Actor | false, info: unknown) => {
          try {
            resolve(toActor(error, actor, info));
          } catch (failure) {
            reject(failure instanceof Error ? failure : new InvalidTokenError());
          }
        },
      ) as (req: Request, res: Response, next: (error?: unknown) => void) => void;
      // passport calls next(error) only for strategy errors, which toActor already receives
      authenticate(req, res, (error) =>
        reject(error instanceof Error ? error : new InvalidTokenError()),
      );
    });
  }
}

/** passport's outcome in the contract's vocabulary. */
function toActor(error: unknown, actor: Actor | false, info: unknown): Actor {
  if (error) throw error instanceof Error ? error : new InvalidTokenError();
  if (actor) return actor;
  const { name, message } = (info ?? {}) as { name?: string; message?: string };
  if (name === 'TokenExpiredError') throw new ExpiredTokenError();
  if (message === 'No auth token') throw new MissingCredentialsError();
  throw new InvalidTokenError();
}

export function isPublic(reflector: Reflector, context: ExecutionContext): boolean {
  return (
    reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]) === true
  );
}
