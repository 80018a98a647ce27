import { DataSource } from 'typeorm';
import { buildDataSourceOptions, type PoolSettings } from './data-source-options';

/** Any constant works; it only has to be the same for every instance of the service. */
const MIGRATION_LOCK_KEY = 7_244_019_301;

/**
 * Applies pending migrations on a short-lived connection with no statement timeout, holding a
 * PostgreSQL advisory lock so that several instances starting together migrate once, in turn.
 * Returns the names of the migrations applied.
 */
export async function migrateDatabase(
  url: string,
  pool: Pick<PoolSettings, 'connectTimeoutMs'>,
): Promise<string[]> {
  const dataSource = new DataSource(
    buildDataSourceOptions(url, { ...pool, poolSize: 2, statementTimeoutMs: 0 }),
  );
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.release();
    await dataSource.destroy();
  }
}
