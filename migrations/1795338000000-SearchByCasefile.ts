import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['gmail_messages', 'drive_files', 'sheet_ranges'] as const;

/**
 * Search runs within one casefile: its GIN indexes now hold the casefile too (btree_gin, a
 * trusted contrib extension that ships with PostgreSQL), so a common word matches only that
 * casefile's rows in the index instead of every casefile's on the heap (with another casefile's
 * 60 000 matches beside 100 000 messages: 63 ms → 14 ms for one query, docs/benchmarks.md).
 */
export class SearchByCasefile1795338000000 implements MigrationInterface {
  name = 'SearchByCasefile1795338000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE EXTENSION IF NOT EXISTS btree_gin');
    for (const table of TABLES) {
      await queryRunner.query(`DROP INDEX ${table}_search_idx`);
      await queryRunner.query(
        `CREATE INDEX ${table}_search_idx ON ${table} USING gin (casefile_id, search)`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await queryRunner.query(`DROP INDEX ${table}_search_idx`);
      await queryRunner.query(`CREATE INDEX ${table}_search_idx ON ${table} USING gin (search)`);
    }
  }
}
