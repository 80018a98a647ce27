import type { OpenAPIObject, ResponseObject } from '@nestjs/swagger';
import { type ErrorCode, statusOf } from '../../platform/errors/error-codes';
import {
  OPENAPI_ERRORS_EXTENSION,
  OPENAPI_IMPLIED_ERRORS_EXTENSION,
  type OperationErrorFacts,
} from '../hub/operation.decorator';
import { OPENAPI_PUBLIC_EXTENSION } from './public.decorator';

type OperationObject = OpenAPIObject['paths'][string]['get'] & Record<string, unknown>;
type Parameter = { name?: string; in?: string; schema?: { format?: string } };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** Routes outside the rate limits (API.md §1.3). */
const UNLIMITED = /^\/(health|metrics)/;
/** Routes no database failure reaches: liveness, and readiness, which reports it as its answer. */
const WITHOUT_DATABASE = /^\/health(\/live)?$/;
/** While the instance drains, only readiness refuses (src/core/lifecycle/shutdown.ts). */
const READINESS = /^\/health$/;

const STATUS_TITLES: Record<number, string> = {
  400: 'The request is malformed or fails validation',
  401: 'Missing or invalid credentials',
  403: 'Not allowed for this caller',
  404: 'No such resource (or not visible to the caller)',
  409: 'In conflict with the current state',
  412: 'The precondition (If-Match) failed',
  413: 'The request body is too large',
  422: 'Well-formed, but against a rule',
  429: 'Too many requests (see Retry-After)',
  500: 'Internal error (no details are disclosed)',
  502: 'An upstream service failed',
  503: 'Unavailable for now: the database, a tool worker, or the instance is shutting down',
  504: 'An upstream service did not answer in time',
};

/** What any route with credentials can answer: bad or missing ones, and a key's scope. */
const AUTHENTICATED: ErrorCode[] = [
  'AUTH_MISSING_TOKEN',
  'AUTH_INVALID_TOKEN',
  'AUTH_EXPIRED_TOKEN',
  'AUTH_INVALID_API_KEY',
  'AUTH_FORBIDDEN',
  'AUTH_ACCOUNT_DISABLED',
];

/**
 * Every error code an operation can answer: what the platform answers on any route of its
 * kind (read from the route: its inputs, credentials, Idempotency-Key, body, limits), the codes
 * its own code declares (`@Operation({errors})`) and those a module's decorator implies
 * (`ImpliedErrors`, e.g. a session operation's lifecycle).
 */
function codesOf(path: string, operation: OperationObject, isPublic: boolean): ErrorCode[] {
  const own = operation[OPENAPI_ERRORS_EXTENSION] as OperationErrorFacts | undefined;
  const implied = operation[OPENAPI_IMPLIED_ERRORS_EXTENSION] as OperationErrorFacts | undefined;
  const parameters = (operation.parameters ?? []) as Parameter[];
  // every route: the input edge refuses a hostile query string (a NUL, nesting), and the JSON
  // parser a body that does not parse or is too large — also on a route that takes none
  const codes = new Set<ErrorCode>([
    ...(own?.codes ?? []),
    'VAL_FAILED',
    'VAL_MALFORMED_JSON',
    'VAL_PAYLOAD_TOO_LARGE',
  ]);
  if (parameters.some((p) => p.in === 'path' && p.schema?.format === 'uuid')) {
    codes.add('VAL_INVALID_ID');
  }
  if (parameters.some((p) => p.in === 'query' && p.name === 'cursor')) {
    codes.add('VAL_INVALID_CURSOR');
  }
  if (!isPublic) for (const code of AUTHENTICATED) codes.add(code);
  if (!isPublic && path.startsWith('/v1/admin')) codes.add('AUTH_2FA_REQUIRED');
  if (parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')) {
    codes.add('CF_IDEMPOTENCY_IN_PROGRESS').add('CF_IDEMPOTENCY_KEY_REUSED');
  }
  for (const code of implied?.codes ?? []) codes.add(code);
  if (!UNLIMITED.test(path)) codes.add('RATE_LIMIT_EXCEEDED');
  codes.add('SYS_INTERNAL');
  if (READINESS.test(path)) codes.add('SYS_SHUTTING_DOWN');
  if (!WITHOUT_DATABASE.test(path)) {
    codes.add('SYS_DATABASE_UNAVAILABLE').add('SYS_STATEMENT_TIMEOUT');
  }
  return [...codes];
}

const codesLine = (codes: ErrorCode[]) =>
  `Codes: ${codes.map((code) => `\`${code}\``).join(', ')}.`;

/** The error envelope, its `code` narrowed to the ones this status of this operation answers. */
function errorResponse(status: number, codes: ErrorCode[]) {
  return {
    description: `${STATUS_TITLES[status] ?? 'Error'}. ${codesLine(codes)}`,
    content: {
      'application/json': {
        schema: {
          allOf: [
            { $ref: '#/components/schemas/ErrorEnvelopeDto' },
            {
              type: 'object',
              properties: {
                errors: {
                  type: 'array',
                  items: { type: 'object', properties: { code: { type: 'string', enum: codes } } },
                },
              },
            },
          ],
        },
      },
    },
  };
}

/**
 * A status the handler documents itself (readiness's `503` with its report) that the platform
 * can also answer with an error (`503 SYS_SHUTTING_DOWN` while draining): either body.
 */
function alsoAnError(own: ResponseObject, status: number, codes: ErrorCode[]): ResponseObject {
  const ownSchema = own.content?.['application/json']?.schema;
  if (!ownSchema) return own;
  const error = errorResponse(status, codes);
  return {
    description: `${own.description}; or the error envelope. ${codesLine(codes)}`,
    content: {
      'application/json': {
        schema: { oneOf: [ownSchema, error.content['application/json'].schema] },
      },
    },
  };
}

/**
 * Completes the generated document: public routes need no credentials (`security: []` instead
 * of the global requirement), and every operation lists each error status it can answer with
 * the codes of the catalogue it can answer there (src/platform/errors/error-codes.ts), so a client
 * — and the e2e suites, which check every response against this document — know exactly what
 * to expect. A response a handler documents itself is kept (and, when the platform can answer
 * that status with an error too, offered beside it).
 */
export function completeOperations(document: OpenAPIObject): void {
  for (const [path, pathItem] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = pathItem[method] as OperationObject | undefined;
      if (!operation) continue;
      const isPublic = operation[OPENAPI_PUBLIC_EXTENSION] === true;
      if (isPublic) operation.security = [];
      const byStatus = new Map<number, ErrorCode[]>();
      for (const code of codesOf(path, operation, isPublic)) {
        const status = statusOf(code);
        byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
      }
      for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
        const own = operation.responses[String(status)] as ResponseObject | undefined;
        operation.responses[String(status)] = own
          ? alsoAnError(own, status, codes.sort())
          : errorResponse(status, codes.sort());
      }
      delete operation[OPENAPI_PUBLIC_EXTENSION];
      delete operation[OPENAPI_ERRORS_EXTENSION];
      delete operation[OPENAPI_IMPLIED_ERRORS_EXTENSION];
    }
  }
}
