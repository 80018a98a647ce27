import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

/**
 * A metadata key read the way `Reflector.getAllAndOverride` reads it (the handler's value, else
 * its controller's), once per handler and then kept: route metadata never changes at run time,
 * and guards ask for it on every request.
 */
export function routeMetadata<T>(
  key: string,
): (reflector: Reflector, context: ExecutionContext) => T | undefined {
  const values = new WeakMap<object, { value: T | undefined }>();
  return (reflector, context) => {
    const handler = context.getHandler();
    let entry = values.get(handler);
    if (!entry) {
      entry = {
        value: reflector.getAllAndOverride<T | undefined>(key, [handler, context.getClass()]),
      };
      values.set(handler, entry);
    }
    return entry.value;
  };
}
