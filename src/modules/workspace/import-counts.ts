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
