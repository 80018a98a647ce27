/** Node socket errors that mean the database cannot be reached. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** SQLSTATEs that mean the server is going away or not there yet. */
const GONE_SQLSTATES = new Set([
  '57P01', // admin_shutdown: the server is stopping
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
]);

/** Messages node-postgres uses for connections that dropped or never opened. */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error',
  'Connection is not established',
];

/** The server is there but says "not now": 503, and nothing says it is gone. */
const BUSY_SQLSTATES = new Set(['53300']); // too_many_connections
/**
 * Busy, not gone: node-postgres's client-side `query_timeout` (the job queue's pool sets one: one
 * query was slow), and pg-pool's wait for a free connection past `connectionTimeoutMillis` (every
 * connection busy: a server that does not answer a new connection is "Connection terminated due
 * to connection timeout" instead).
 */
const BUSY_MESSAGES = ['Query read timeout', 'timeout exceeded when trying to connect'];

/** Our `statement_timeout` cancelled a statement: that request was slow, the server is fine. */
const STATEMENT_TIMEOUT = '57014'; // query_canceled

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  // Structural, not `instanceof`: errors from Node's net module may come from another realm.
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    chain.push(current);
    const next = current as { driverError?: unknown; cause?: unknown };
    current = next.driverError ?? next.cause;
  }
  return chain;
}

function anyCause(error: unknown, test: (code: unknown, message: unknown) => boolean): boolean {
  return causes(error).some((candidate) => {
    const { code, message } = candidate as { code?: unknown; message?: unknown };
    return test(code, message);
  });
}

/**
 * Whether an error says the database server is gone: it cannot be reached, dropped the
 * connection, or is shutting down or starting. Only such signs open the breaker (a slow
 * statement or a full server are one request's failure, not everyone's).
 */
export function isDatabaseUnreachableError(error: unknown): boolean {
  return anyCause(error, (code, message) => {
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code) || GONE_SQLSTATES.has(code)) return true;
      if (code.startsWith('08')) return true; // connection_exception class
    }
    return (
      typeof message === 'string' && CONNECTION_MESSAGES.some((text) => message.includes(text))
    );
  });
}

/**
 * Whether an error means the database cannot serve the request now: gone (above), or full, or a
 * client-side query timeout. The filter answers those with 503 SYS_DATABASE_UNAVAILABLE instead of
 * a 500.
 */
export function isDatabaseUnavailableError(error: unknown): boolean {
  return (
    isDatabaseUnreachableError(error) ||
    anyCause(
      error,
      (code, message) =>
        (typeof code === 'string' && BUSY_SQLSTATES.has(code)) ||
        (typeof message === 'string' && BUSY_MESSAGES.some((text) => message.includes(text))),
    )
  );
}

/** Whether our statement_timeout cancelled the statement (503 SYS_STATEMENT_TIMEOUT). */
export function isStatementTimeoutError(error: unknown): boolean {
  return anyCause(error, (code) => code === STATEMENT_TIMEOUT);
}
