import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import type { Request } from 'express';
import { InvalidInputError } from '../../platform/errors/domain-error';

/** Any UUID version (ids this service makes are v7); what class-validator's IsUUID('all') took. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The named path parameters, each a UUID, else `400 VAL_INVALID_ID` naming every bad one. Also for
 * hooks that read an id before the handler's parameters are resolved (the session lifecycle).
 */
export function pathIdsOf(
  params: Readonly<Record<string, string | undefined>>,
  names: readonly string[],
): Record<string, string> {
  const invalid = names.filter((name) => !UUID.test(params[name] ?? ''));
  if (invalid.length > 0) {
    throw new InvalidInputError('VAL_INVALID_ID', 'The id in the path is not a valid UUID', {
      fields: invalid.map((field) => ({ field, message: `${field} must be a UUID` })),
    });
  }
  return Object.fromEntries(names.map((name) => [name, params[name] as string]));
}

const pathIds = createParamDecorator(
  ({ names, single }: { names: string[]; single: boolean }, context: ExecutionContext) => {
    const req = context.switchToHttp().getRequest<Request>();
    const ids = pathIdsOf(req.params as Record<string, string | undefined>, names);
    return single ? ids[names[0]] : ids;
  },
);

function documented(names: readonly string[], decorator: ParameterDecorator): ParameterDecorator {
  return (target, key, index) => {
    decorator(target, key, index);
    if (key === undefined) return;
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    for (const name of names) {
      ApiParam({
        name,
        schema: { type: 'string', format: 'uuid' },
        description: 'A UUID (v7 for ids this service makes)',
      })(target, key, descriptor!);
    }
  };
}

/**
 * `@PathId() id: string` — the path's `:id` (or another name), checked with one regular
 * expression instead of a class-validator/class-transformer round trip on every request.
 */
export function PathId(name = 'id'): ParameterDecorator {
  return documented([name], pathIds({ names: [name], single: true }));
}

/** `@PathIds('id', 'user_id') { id, user_id }` — several path ids, all reported when malformed. */
export function PathIds(...names: string[]): ParameterDecorator {
  return documented(names, pathIds({ names, single: false }));
}
