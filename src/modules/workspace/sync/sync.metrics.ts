/** Sync jobs ended, by source, trigger (manual, schedule, one_shot) and status. */
export const SYNC_RUNS_TOTAL = 'sync_runs_total';
/** Items sync jobs stored or removed, by source and change (created, updated, unchanged, removed). */
export const SYNC_ITEMS_TOTAL = 'sync_items_total';
