import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Role } from '../../core/hub/actor';

export const ROLES_METADATA = 'casefile-hub:roles';

/** Only these roles may call the route; API keys never may (API.md §8). */
export function Roles(...roles: Role[]): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(ROLES_METADATA, roles), ApiExtension('x-roles', roles));
}
