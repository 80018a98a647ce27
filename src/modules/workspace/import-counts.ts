import { ApiProperty } from '@nestjs/swagger';

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

/**
 * The one statement that stores a batch of Google items in `table` (API.md §7): `$1` the casefile,
 * `$2` the items as a JSON array with `id`, `google_id` and `columns` (typed by `types`, as
 * `jsonb_to_recordset` reads them). Inserted, or updated where a column differs; a row that is
 * already so is not written. Each written row answers whether it was created.
 */
export function batchUpsertSql(table: string, columns: readonly string[], types: string): string {
  const list = (prefix: string) => columns.map((column) => `${prefix}${column}`).join(', ');
  return `INSERT INTO ${table} AS t (id, casefile_id, google_id, ${list('')})
    SELECT i.id, $1, i.google_id, ${list('i.')}
      FROM jsonb_to_recordset($2::jsonb) AS i(id uuid, google_id text, ${types})
    ON CONFLICT (casefile_id, google_id) DO UPDATE
       SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = now()
     WHERE (${list('t.')}) IS DISTINCT FROM (${list('EXCLUDED.')})
    RETURNING (xmax = 0) AS created`;
}
