import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `q` on the admin users list: substring search over email, username and display name. */
export class UsersSearch1795313400000 implements MigrationInterface {
  name = 'UsersSearch1795313400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX users_search_trgm_idx ON users
         USING gin ((email || ' ' || username || ' ' || coalesce(display_name, '')) gin_trgm_ops)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX users_search_trgm_idx');
  }
}
