import type { ErrorObject } from 'ajv';
import type { FieldError } from '../../platform/errors/system.errors';

/**
 * An ajv error as a field of a `400` (`parameters.text`, `messages.3.payload.headers.0.name`):
 * the path from `root`, the missing or extra property named, and a sentence a client can show.
 */
export function schemaFieldError(
  error: ErrorObject,
  root: string,
  unknownProperty = 'is not allowed here',
): FieldError {
  const path = error.instancePath.split('/').slice(1);
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (params.missingProperty) path.push(params.missingProperty);
  if (params.additionalProperty) path.push(params.additionalProperty);
  const field = [root, ...path].join('.');
  const message =
    error.keyword === 'required'
      ? 'is required'
      : error.keyword === 'additionalProperties'
        ? unknownProperty
        : (error.message ?? 'is invalid');
  return { field, message: `${field} ${message}` };
}
