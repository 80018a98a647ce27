import { RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { IS_PUBLIC } from '../../src/core/http/public.decorator';
import { IDEMPOTENT } from '../../src/core/idempotency/idempotent.decorator';
import { ROLES_METADATA } from '../../src/modules/auth/roles.decorator';
import { OPERATION_METADATA, type OperationMetadata } from '../../src/core/hub/operation.decorator';

export interface RouteInfo {
  method: string;
  /** Controller path + handler path, as declared (before the /v1 prefix). */
  path: string;
  handler: string;
  operation: string | undefined;
  /** The OpenAPI operationId: the operation's name unless it declares its own. */
  operationId: string | undefined;
  access: string;
  /** The status a success answers with: @HttpCode, else 201 for POST, 200 otherwise. */
  successStatus: number;
  idempotent: boolean;
}

function joinPath(...parts: (string | string[] | undefined)[]): string {
  const segments = parts
    .map((part) => (Array.isArray(part) ? part[0] : part) ?? '')
    .flatMap((part) => part.split('/'))
    .filter(Boolean);
  return `/${segments.join('/')}`;
}

/** Every HTTP route the application registers, read from Nest's own metadata. */
export function listRoutes(app: INestApplication): RouteInfo[] {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const reflector = app.get(Reflector);
  const routes: RouteInfo[] = [];
  for (const wrapper of discovery.getControllers()) {
    const { instance, metatype } = wrapper;
    if (!instance || !metatype) continue;
    const prototype = Object.getPrototypeOf(instance) as object;
    const basePath = Reflect.getMetadata(PATH_METADATA, metatype) as string | string[] | undefined;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = (prototype as Record<string, unknown>)[name] as object;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (path === undefined || method === undefined) continue;
      const operation = reflector.get<OperationMetadata | undefined>(
        OPERATION_METADATA,
        handler as never,
      );
      const isPublic = reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
        handler as never,
        metatype,
      ]);
      const roles = reflector.getAllAndOverride<string[] | undefined>(ROLES_METADATA, [
        handler as never,
        metatype,
      ]);
      routes.push({
        method: RequestMethod[method],
        path: joinPath(basePath, path),
        handler: `${metatype.name}.${name}`,
        operation: operation?.name,
        operationId: operation?.operationId ?? operation?.name,
        access: isPublic ? 'public' : roles ? `roles:${roles.join(',')}` : 'authenticated',
        successStatus:
          (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ??
          (method === RequestMethod.POST ? 201 : 200),
        idempotent: Reflect.getMetadata(IDEMPOTENT, handler) !== undefined,
      });
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}
