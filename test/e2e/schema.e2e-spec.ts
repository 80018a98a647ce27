import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/platform/database/data-source-options';
import { migrateDatabase } from '../../src/platform/database/migrate';
import { createFreshDatabase } from '../support/test-database';

const POOL = { poolSize: 2, connectTimeoutMs: 5000, statementTimeoutMs: 0 };

interface Catalog {
  columns: string[];
  constraints: string[];
  indexes: string[];
}

/**
 * What PostgreSQL itself prints for every column, constraint and index of the entities' tables,
 * so two databases compare in its own normal form (expressions, WHERE clauses, defaults).
 */
async function catalogOf(
  url: string,
  tables: string[],
  skipIndexes: Set<string>,
): Promise<Catalog> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query<{ line: string }>(
      `SELECT table_name || '.' || column_name || ' ' || format_type(a.atttypid, a.atttypmod)
              || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END
              || coalesce(' default ' || column_default, '') AS line
         FROM information_schema.columns c
         JOIN pg_attribute a ON a.attrelid = c.table_name::regclass AND a.attname = c.column_name
        WHERE table_schema = 'public' AND table_name = ANY($1)`,
      [tables],
    );
    // primary keys by table (their names are PostgreSQL's or TypeORM's own)
    const constraints = await client.query<{ line: string }>(
      `SELECT conrelid::regclass || ' ' || CASE contype WHEN 'p' THEN 'PRIMARY KEY' ELSE conname END
              || ' ' || pg_get_constraintdef(oid) AS line
         FROM pg_constraint WHERE conrelid::regclass::text = ANY($1)`,
      [tables],
    );
    const indexes = await client.query<{ line: string }>(
      `SELECT indexdef AS line FROM pg_indexes i
        WHERE schemaname = 'public' AND tablename = ANY($1) AND NOT indexname = ANY($2)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
      [tables, [...skipIndexes]],
    );
    const sorted = (result: { rows: { line: string }[] }) => result.rows.map((r) => r.line).sort();
    return { columns: sorted(columns), constraints: sorted(constraints), indexes: sorted(indexes) };
  } finally {
    await client.end();
  }
}

/**
 * The entities are the schema the code believes in; the migrations are the schema that exists.
 * They must be the same, or `migration:generate` writes a migration that breaks the database.
 */
describe('schema: entities match the migrations', () => {
  let migrated: Awaited<ReturnType<typeof createFreshDatabase>>;
  let synchronized: Awaited<ReturnType<typeof createFreshDatabase>>;
  let dataSource: DataSource;

  beforeAll(async () => {
    migrated = await createFreshDatabase('casefile_hub_test_schema_migrated');
    synchronized = await createFreshDatabase('casefile_hub_test_schema_synchronized');
    await migrateDatabase(migrated.url, POOL);
    dataSource = new DataSource(buildDataSourceOptions(migrated.url, POOL));
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await migrated?.drop();
    await synchronized?.drop();
  });

  it('migration:generate finds nothing to do on a migrated database', async () => {
    // what `npm run typeorm -- migration:generate --dryrun` prints, read from the same builder
    const log = await dataSource.driver.createSchemaBuilder().log();
    expect(log.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('every table is an entity', async () => {
    const rows = await dataSource.query<{ tablename: string }[]>(
      // TypeORM's own: the migrations run, and generated columns' expressions
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('migrations', 'typeorm_metadata')",
    );
    const entityTables = dataSource.entityMetadatas.map((entity) => entity.tableName).sort();
    expect(rows.map((row) => row.tablename).sort()).toEqual(entityTables);
  });

  it('a database made from the entities has the same columns, constraints and indexes', async () => {
    // what TypeORM's diff does not compare (CHECK texts, partial-index WHERE clauses), PostgreSQL does
    const fromEntities = new DataSource(buildDataSourceOptions(synchronized.url, POOL));
    await fromEntities.initialize();
    try {
      await fromEntities.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      await fromEntities.synchronize();
    } finally {
      await fromEntities.destroy();
    }
    const tables = dataSource.entityMetadatas.map((entity) => entity.tableName);
    const declaredOnly = new Set(
      dataSource.entityMetadatas.flatMap((entity) =>
        entity.indices.filter((index) => !index.synchronize).map((index) => index.name ?? ''),
      ),
    );
    const expected = await catalogOf(migrated.url, tables, declaredOnly);
    const actual = await catalogOf(synchronized.url, tables, declaredOnly);
    expect(actual.columns).toEqual(expected.columns);
    expect(actual.constraints).toEqual(expected.constraints);
    expect(actual.indexes).toEqual(expected.indexes);
  });

  it('indexes declared by name only exist in the migrated database', async () => {
    const declaredOnly = dataSource.entityMetadatas.flatMap((entity) =>
      entity.indices.filter((index) => !index.synchronize).map((index) => index.name ?? ''),
    );
    const rows = await dataSource.query<{ indexname: string }[]>(
      "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname = ANY($1)",
      [declaredOnly],
    );
    expect(rows.map((row) => row.indexname).sort()).toEqual([...declaredOnly].sort());
  });
});
