import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

export const IDEMPOTENT = 'casefile-hub:idempotent';

/** A creating POST that honours `Idempotency-Key` (API.md §1.3). */
export function Idempotent(): MethodDecorator {
  return applyDecorators(
    SetMetadata(IDEMPOTENT, true),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        '1–255 characters. The same key with the same body within 24 h replays the stored ' +
        'response (`Idempotent-Replayed: true`); with another body → 422; while running → 409.',
    }),
  );
}
