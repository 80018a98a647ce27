import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ForbiddenError } from '../../../core/errors/domain-error';
import type { Actor, Role } from '../../../core/hub/actor';
import { ROLES } from '../roles.decorator';

/** Runs after AuthGuard: `@Roles(...)` routes need one of the roles, through a bearer token. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!roles) return true;
    const actor = context.switchToHttp().getRequest<Request>().user as Actor | undefined;
    if (!actor) throw new Error('@Roles() on a route without authentication');
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
    return true;
  }
}
