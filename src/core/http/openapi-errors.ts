import type { OpenAPIObject } from '@nestjs/swagger';
import { ERROR_CODES } from '../errors/error-codes';
import { OPENAPI_PUBLIC_EXTENSION } from './public.decorator';

type OperationObject = OpenAPIObject['paths'][string]['get'] & Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** Routes outside the rate limits (API.md §1.3). */
const UNLIMITED = /^\/(health|metrics)/;

const STATUS_TITLES: Record<number, string> = {
  400: 'The request is malformed or fails validation',
  401: 'Missing or invalid credentials',
  403: 'Not allowed for this caller',
  404: 'No such resource (or not visible to the caller)',
  413: 'The request body is too large',
  429: 'Too many requests (see Retry-After)',
  500: 'Internal error (no details are disclosed)',
  503: 'The database is unavailable or the service is shutting down',
};

function errorResponse(status: number) {
  const codes = Object.entries(ERROR_CODES)
    .filter(([, entry]) => entry.status === status)
    .map(([code]) => `\`${code}\``);
  return {
    description: `${STATUS_TITLES[status]}. Codes: ${codes.join(', ')}.`,
    content: {
      'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelopeDto' } },
    },
  };
}

/** The statuses an operation can fail with, from what the platform does to every request. */
function errorStatuses(path: string, operation: OperationObject, isPublic: boolean): number[] {
  const takesInput = (operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined;
  return [
    ...(takesInput ? [400] : []),
    ...(isPublic ? [] : [401, 403]),
    ...(path.includes('{') ? [404] : []),
    ...(operation.requestBody ? [413] : []),
    ...(UNLIMITED.test(path) ? [] : [429]),
    500,
    503,
  ];
}

/**
 * Completes the generated document: public routes need no credentials (`security: []` instead
 * of the global requirement), and every operation lists the error responses it can give, each
 * as the error envelope with the catalogue's codes for that status. A response a handler
 * documents itself is kept.
 */
export function completeOperations(document: OpenAPIObject): void {
  for (const [path, pathItem] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = pathItem[method] as OperationObject | undefined;
      if (!operation) continue;
      const isPublic = operation[OPENAPI_PUBLIC_EXTENSION] === true;
      if (isPublic) {
        operation.security = [];
        delete operation[OPENAPI_PUBLIC_EXTENSION];
      }
      for (const status of errorStatuses(path, operation, isPublic)) {
        operation.responses[String(status)] ??= errorResponse(status);
      }
    }
  }
}
