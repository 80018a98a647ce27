import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { buildDataSourceOptions, poolOf } from './data-source-options';
import { migrateDatabase } from './migrate';
import { DatabaseBreaker } from './database-breaker';
import { Sql } from './sql';

/**
 * TypeORM on the given database, and `Sql` for every repository (hence global). Pending migrations
 * are applied before the pool opens, so the app never serves a request against an old schema.
 */
@Module({})
export class DatabaseModule {
  static forRoot(url: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          useFactory: async (config: AppConfig) => {
            const applied = await migrateDatabase(url, config.database);
            if (applied.length > 0) {
              new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
            }
            return {
              ...buildDataSourceOptions(url, config.database),
              retryAttempts: 3,
              retryDelay: 1000,
            };
          },
        }),
      ],
      providers: [
        {
          provide: DatabaseBreaker,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => {
            const breaker = new DatabaseBreaker(url);
            const pool = poolOf(dataSource);
            if (pool) breaker.watch(pool);
            return breaker;
          },
        },
        Sql,
      ],
      exports: [Sql, DatabaseBreaker],
      global: true,
    };
  }
}
