export const SYNC_JOBS_TOTAL = 'sync_jobs_total';
export const SYNC_ITEMS_TOTAL = 'sync_items_total';
