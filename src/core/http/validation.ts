import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { InvalidInputError } from '../errors/domain-error';
import { type FieldError, RequestValidationError } from '../errors/system.errors';
import { ERROR_CODE_CONTEXT } from './id.param';

/** Nested class-validator errors as a flat list of `{field: "a.b.0.c", message}`. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

function hasInvalidId(errors: ValidationError[]): boolean {
  return errors.some(
    (error) =>
      Object.values(error.contexts ?? {}).some(
        (context: unknown) => (context as { code?: unknown }).code === ERROR_CODE_CONTEXT.code,
      ) || hasInvalidId(error.children ?? []),
  );
}

/** A DTO body must be an object: an array would otherwise be validated key by key ("0", "1"). */
class ContractValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && Array.isArray(value) && this.toValidate(metadata)) {
      throw new RequestValidationError([{ field: 'body', message: 'body must be a JSON object' }]);
    }
    return super.transform(value, metadata);
  }
}

/**
 * Whitelist, forbid unknown fields, transform. Failures become `400 VAL_FAILED` with every field,
 * except a malformed path id (IdParam), which is `400 VAL_INVALID_ID`.
 */
export function createValidationPipe(): ValidationPipe {
  return new ContractValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fields = toFieldErrors(errors);
      if (hasInvalidId(errors)) {
        return new InvalidInputError('VAL_INVALID_ID', 'The id in the path is not a valid UUID', {
          fields,
        });
      }
      return new RequestValidationError(fields);
    },
  });
}
