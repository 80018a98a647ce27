import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 21: an Idempotency-Key record of `POST /auth/api-keys` held the whole answer, the new
 * key included, for replay. Records no longer keep a secret (the key is stored as null, and a
 * replay answers it null); this erases the keys the records written before still hold. Nothing
 * to undo: a secret erased stays erased.
 */
export class IdempotencyNoSecrets1795348800000 implements MigrationInterface {
  name = 'IdempotencyNoSecrets1795348800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE idempotency_keys
          SET response_body = jsonb_set(response_body, '{data,key}', 'null'::jsonb)
        WHERE route LIKE 'POST %/auth/api-keys' AND response_body #> '{data,key}' IS NOT NULL
          AND response_body #> '{data,key}' <> 'null'::jsonb`,
    );
  }

  async down(): Promise<void> {
    // the erased keys are not restored
  }
}
