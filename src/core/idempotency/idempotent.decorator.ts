import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

export const IDEMPOTENT = 'casefile-hub:idempotent';

export interface IdempotentOptions {
  /**
   * Fields of the answer's `data` that carry a secret shown once (an API key): never stored for
   * replay — a replay answers them `null`.
   */
  secretFields?: readonly string[];
}

/** A creating POST that honours `Idempotency-Key` (API.md §1.3). */
export function Idempotent(options: IdempotentOptions = {}): MethodDecorator {
  const secret = options.secretFields?.length
    ? ` A replay answers ${options.secretFields.map((field) => `\`${field}\``).join(', ')} as \`null\`: the secret is shown once and never stored.`
    : '';
  return applyDecorators(
    SetMetadata(IDEMPOTENT, options),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        '1–255 characters. The same key with the same body on the same path, by the same caller, ' +
        'within IDEMPOTENCY_TTL_SECONDS (24 h by default) replays the stored response ' +
        '(`Idempotent-Replayed: true`) once the request has ' +
        'passed the checks it would meet; with another body → 422; while running → 409.' +
        secret,
    }),
  );
}
