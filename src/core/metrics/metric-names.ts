export const HTTP_REQUESTS_TOTAL = 'http_requests_total';
export const HTTP_REQUEST_DURATION = 'http_request_duration_seconds';
export const HTTP_REQUESTS_IN_PROGRESS = 'http_requests_in_progress';
export const DB_POOL_CONNECTIONS = 'db_pool_connections';
export const CACHE_REQUESTS_TOTAL = 'cache_requests_total';
