import { join } from 'node:path';
import type { Pool } from 'pg';
import type { DataSource, DataSourceOptions } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { SnakeNamingStrategy } from 'typeorm-naming-strategies';

export interface PoolSettings {
  poolSize: number;
  connectTimeoutMs: number;
  /** 0 disables the timeout (migrations may legitimately run long). */
  statementTimeoutMs: number;
}

/**
 * The one DataSource configuration, used by the app, the migration runner and the TypeORM CLI
 * (ormconfig.ts). Globs match `.ts` (ts-node, Jest) and `.js` (the build) alike.
 */
export function buildDataSourceOptions(url: string, pool: PoolSettings): DataSourceOptions {
  // No client-side query_timeout: a server that stops answering opens DatabaseBreaker, which
  // answers the requests waiting on it and closes their connections (database-breaker.ts).
  const timeouts =
    pool.statementTimeoutMs > 0 ? { statement_timeout: pool.statementTimeoutMs } : {};
  return {
    type: 'postgres',
    url,
    entities: [join(__dirname, '..', '..', '**', '*.entity.{ts,js}')],
    migrations: [join(__dirname, '..', '..', '..', 'migrations', '*.{ts,js}')],
    migrationsTableName: 'migrations',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: pool.poolSize,
      connectionTimeoutMillis: pool.connectTimeoutMs,
      idle_in_transaction_session_timeout: 60_000,
      application_name: 'casefile-hub',
      // statements sent without waiting for the previous answer (PipelinedTransaction)
      pipeline: true,
      ...timeouts,
    },
  };
}

/** node-postgres's pool under a DataSource built from these options (undefined until it connects). */
export function poolOf(dataSource: DataSource): Pool | undefined {
  return (dataSource.driver as PostgresDriver).master as Pool | undefined;
}

/** The database name in a postgres:// URL (used to refuse non-test databases in tests). */
export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}
