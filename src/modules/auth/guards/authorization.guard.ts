import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ForbiddenError } from '../../../platform/errors/domain-error';
import type { Actor, Role } from '../../../core/hub/actor';
import { AppConfig } from '../../../config/app-config';
import { MissingCredentialsError, ReadOnlyKeyError, TwoFactorRequiredError } from '../auth.errors';
import { isMutating } from '../../../core/http/http-methods';
import { ROLES_METADATA } from '../roles.decorator';
import { isPublicRoute } from '../../../core/http/public.decorator';
import { routeMetadata } from '../../../core/http/route-metadata';

const rolesOf = routeMetadata<Role[]>(ROLES_METADATA);

/**
 * Last of the three global guards (after AuthGuard and RateLimitGuard), fail-closed: a route is
 * open only by @Public(). Raises the authentication failure AuthGuard kept, refuses read-only API
 * keys on anything but reads, and applies @Roles(...) — which API keys never satisfy, and which
 * with ADMIN_2FA_REQUIRED also needs a login that passed a second factor.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (isPublicRoute(this.reflector, context)) return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (req.authError) throw req.authError;
    const actor = req.user as Actor | undefined;
    if (!actor) throw new MissingCredentialsError();
    if (!actor.scopes.includes('write') && isMutating(req.method)) {
      throw new ReadOnlyKeyError();
    }
    const roles = rolesOf(this.reflector, context);
    if (!roles) return true;
    if (actor.authMethod === 'api_key') {
      throw new ForbiddenError('AUTH_FORBIDDEN', 'API keys cannot use admin routes', {
        required: 'bearer token',
        actual: 'api key',
      });
    }
    if (!roles.includes(actor.role)) {
      throw new ForbiddenError('AUTH_FORBIDDEN', 'Your role cannot use this route', {
        required: roles,
        actual: actor.role,
      });
    }
    if (this.config.auth.admin2faRequired && !actor.secondFactor)
      throw new TwoFactorRequiredError();
    return true;
  }
}
