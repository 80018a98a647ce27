import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first migration: the extensions later tables rely on. pg_trgm backs the substring search
 * (`q`) on casefiles and users with GIN trigram indexes; it is a trusted extension, so the
 * database owner may create it without superuser rights.
 */
export class Baseline1795305600000 implements MigrationInterface {
  name = 'Baseline1795305600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP EXTENSION IF EXISTS pg_trgm');
  }
}
