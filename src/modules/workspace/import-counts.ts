import { ApiProperty } from '@nestjs/swagger';
import { uuidv7 } from 'uuidv7';
import type { EntityColumns } from '../../platform/database/entity-columns';

/** What an import did (API.md §7): items stored for the first time, changed, or already so. */
export class ImportCountsDto {
  @ApiProperty() created!: number;
  @ApiProperty() updated!: number;
  @ApiProperty() unchanged!: number;
}

/**
 * The counts of one batched upsert that returns `created` (`xmax = 0`: inserted) for each row it
 * wrote; rows it skipped (nothing changed) return nothing.
 */
export function importCountsOf(total: number, written: { created: boolean }[]): ImportCountsDto {
  const created = written.filter((row) => row.created).length;
  return { created, updated: written.length - created, unchanged: total - written.length };
}

/** What every imported Google item's table has: its id, its casefile and Google's id. */
interface GoogleItem {
  id: string;
  googleId: string;
}

/**
 * The one statement that stores a batch of Google items in `table` (API.md §7): `$1` the casefile,
 * `$2` the items as a JSON array (`batchUpsertItems`) with `id`, `google_id` and `columns`, typed
 * as the entity declares them. Inserted, or updated where a column differs; a row that is already
 * so is not written. Each written row answers whether it was created. A text column named in
 * `keptWhenNull` keeps what the row holds when an item brings null for it ('' for a new row).
 */
export function batchUpsertSql<E extends GoogleItem>(
  table: EntityColumns<E>,
  columns: readonly (keyof E & string)[],
  options: { keptWhenNull?: readonly (keyof E & string)[] } = {},
): string {
  const names = table.names(columns);
  const kept = new Set(table.names(options.keptWhenNull ?? []));
  const list = (prefix: string) => names.map((column) => `${prefix}${column}`).join(', ');
  const selected = names
    .map((column) => (kept.has(column) ? `coalesce(i.${column}, k.${column}, '')` : `i.${column}`))
    .join(', ');
  const held =
    kept.size === 0
      ? ''
      : `LEFT JOIN ${table.table} k ON k.casefile_id = $1 AND k.google_id = i.google_id`;
  return `INSERT INTO ${table.table} AS t (id, casefile_id, google_id, ${list('')})
    SELECT i.id, $1, i.google_id, ${selected}
      FROM jsonb_to_recordset($2::jsonb) AS i(${table.recordset(['id', 'googleId', ...columns])})
      ${held}
    ON CONFLICT (casefile_id, google_id) DO UPDATE
       SET ${names.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = now(),
           removed_at = NULL, removed_by_job = NULL
     WHERE (${list('t.')}) IS DISTINCT FROM (${list('EXCLUDED.')}) OR t.removed_at IS NOT NULL
    RETURNING (xmax = 0) AS created`;
}

/**
 * The JSON array `batchUpsertSql` reads: each item with a new id, under its column names (null
 * where a `keptWhenNull` column keeps what the row holds).
 */
export function batchUpsertItems<E extends GoogleItem, K extends keyof E & string>(
  table: EntityColumns<E>,
  columns: readonly K[],
  items: readonly (Pick<E, 'googleId'> & { [P in K]: E[P] | null })[],
): string {
  const itemOf = table.itemOf<'id' | 'googleId' | K>(['id', 'googleId', ...columns]);
  return JSON.stringify(
    items.map((item) => itemOf({ ...item, id: uuidv7() } as Pick<E, 'id' | 'googleId' | K>)),
  );
}
