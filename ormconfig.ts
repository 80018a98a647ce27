import { existsSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { loadAppConfig } from './src/config/app-config';
import { buildDataSourceOptions } from './src/platform/database/data-source-options';
import { startDatabaseServer } from './src/platform/database/database-server';

/**
 * The DataSource for the TypeORM CLI (`npm run migration:run|revert|generate`), configured exactly
 * like the app. With DATABASE_URL unset it starts the embedded PostgreSQL in DATA_DIR for the
 * command and stops it when the command exits.
 */
async function createCliDataSource(): Promise<DataSource> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadAppConfig(process.env);
  const server = await startDatabaseServer({
    url: config.database.url,
    dataDir: config.dataDir,
    attach: true,
    log: (message) => console.log(message),
  });
  process.once('exit', () => server.embedded?.stopSync());
  return new DataSource(
    buildDataSourceOptions(server.url, { ...config.database, statementTimeoutMs: 0 }),
  );
}

export const dataSource = createCliDataSource();
