import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { type FieldError, RequestValidationError } from '../errors/system.errors';

/** Nested class-validator errors as a flat list of `{field: "a.b.0.c", message}`. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

/** Whitelist, forbid unknown fields, transform; failures become `400 VAL_FAILED`. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new RequestValidationError(toFieldErrors(errors)),
  });
}
