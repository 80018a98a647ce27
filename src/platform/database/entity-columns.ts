import type { DataSource, EntityMetadata, EntityTarget } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * An entity's table as SQL written by hand sees it: column names and types read from the entity
 * (TypeORM's metadata), so that a table is described once — by its entity, which the schema test
 * holds to the migrations — and a statement that lists columns cannot drift from either.
 */
export class EntityColumns<E> {
  private constructor(
    private readonly metadata: EntityMetadata,
    private readonly typeOf: (column: ColumnMetadata) => string,
  ) {}

  static of<E>(dataSource: DataSource, entity: EntityTarget<E>): EntityColumns<E> {
    const metadata = dataSource.getMetadata(entity);
    return new EntityColumns<E>(metadata, (column) => {
      const type = dataSource.driver.normalizeType(column);
      return column.isArray ? `${type}[]` : type;
    });
  }

  get table(): string {
    return this.metadata.tableName;
  }

  /** The database names of `properties`, in their order. */
  names(properties: readonly (keyof E & string)[]): string[] {
    return properties.map((property) => this.column(property).databaseName);
  }

  /**
   * `c.owner_id AS "ownerId", c.title, …`: a SELECT list on table alias `alias` (none: `''`), each
   * column read back under its property name, so the row is the entity or a Pick/Omit of it:
   * `columns` lists the properties, or names those to `omit`; left out, every selectable column.
   */
  select(
    alias: string,
    columns?: readonly (keyof E & string)[] | { omit: readonly (keyof E & string)[] },
  ): string {
    const listed = columns === undefined || 'omit' in columns ? undefined : columns;
    const omitted: readonly string[] =
      columns !== undefined && 'omit' in columns ? columns.omit : [];
    const selected =
      listed?.map((property) => this.column(property)) ??
      // every selectable column (not a `select: false` tsvector) but those omitted
      this.metadata.columns.filter(
        (column) => column.isSelect && !omitted.includes(column.propertyName),
      );
    return selected
      .map(({ databaseName: name, propertyName: property }) => {
        const column = alias === '' ? name : `${alias}.${name}`;
        return name === property ? column : `${column} AS "${property}"`;
      })
      .join(', ');
  }

  /** `google_id text, sent_at timestamp with time zone, …`: a `jsonb_to_recordset` column list. */
  recordset(properties: readonly (keyof E & string)[]): string {
    return properties
      .map((property) => {
        const column = this.column(property);
        return `${column.databaseName} ${this.typeOf(column)}`;
      })
      .join(', ');
  }

  /**
   * What turns a row of `properties` into an item for `jsonb_to_recordset` (its values under their
   * column names): the names are looked up once, here, not for every row of a batch.
   */
  itemOf<K extends keyof E & string>(
    properties: readonly K[],
  ): (values: Pick<E, K>) => Record<string, unknown> {
    const names = this.names(properties);
    return (values) => {
      const item: Record<string, unknown> = {};
      properties.forEach((property, index) => (item[names[index]] = values[property]));
      return item;
    };
  }

  private column(property: keyof E & string): ColumnMetadata {
    const column = this.metadata.findColumnWithPropertyName(property);
    if (!column) throw new Error(`${this.metadata.name} has no column ${property}`);
    return column;
  }
}
