import { applyDecorators, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { ApiExtension } from '@nestjs/swagger';
import { routeMetadata } from './route-metadata';

export const IS_PUBLIC = 'casefile-hub:public';
/** Marks the operation as public in the OpenAPI document (`security: []`), see app.setup.ts. */
export const OPENAPI_PUBLIC_EXTENSION = 'x-public';

/**
 * The only way a route opts out of authentication (fail closed): everything else needs a valid
 * identity once the auth guard is in place.
 */
export function Public(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(IS_PUBLIC, true),
    ApiExtension(OPENAPI_PUBLIC_EXTENSION, true),
  );
}

const publicFlagOf = routeMetadata<boolean>(IS_PUBLIC);

/** Whether the route is @Public() (read once per handler): the guards and the hub ask this. */
export function isPublicRoute(reflector: Reflector, context: ExecutionContext): boolean {
  return publicFlagOf(reflector, context) === true;
}
