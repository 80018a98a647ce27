import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ResponseMetaDto } from './api-envelope.dto';

/** Documents a success response as the envelope around `model` (handlers return plain data). */
export function ApiEnvelopeResponse(
  model: Type,
  options: { status?: number; description?: string } = {},
): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(model, ResponseMetaDto),
    ApiResponse({
      status: options.status ?? 200,
      description: options.description ?? 'Success',
      schema: {
        type: 'object',
        required: ['data', 'meta', 'errors'],
        properties: {
          data: { $ref: getSchemaPath(model) },
          meta: { $ref: getSchemaPath(ResponseMetaDto) },
          errors: { type: 'array', maxItems: 0, items: {} },
        },
      },
    }),
  );
}

/**
 * Documents an answer as Server-Sent Events (`200`, `text/event-stream`); `description` names
 * the events. Refusals before the stream starts are still the JSON error envelope.
 */
export function ApiEventStreamResponse(description: string): MethodDecorator {
  return ApiResponse({
    status: 200,
    description,
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  });
}
