/**
 * What a log line may carry (issue 21: a failed statement was logged with every bind parameter —
 * an argon2id hash, a sealed Google token — and a failed import wrote a 1 MB line). Errors are
 * logged by shape, never with what they were given; every line has a size cap.
 */

/** The longest log line written, in bytes; a longer one is replaced by a short account of it. */
export const MAX_LOG_LINE_BYTES = 16 * 1024;

const MAX_MESSAGE = 1_000;
const MAX_STACK = 4_000;
const MAX_STATEMENT = 2_000;
const MAX_CAUSES = 3;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** What a PostgreSQL error says about itself that holds no value of the row or statement. */
const DATABASE_FIELDS = ['constraint', 'table', 'column', 'dataType', 'schema', 'routine'] as const;

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  code?: unknown;
  query?: unknown;
  driverError?: unknown;
  cause?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

/**
 * A PostgreSQL message of the data-exception class (22xxx) quotes the value it could not take
 * (`invalid input syntax for type integer: "…"`): the quoted parts are left out.
 */
function safeMessage(message: string, sqlstate: string | undefined): string {
  const redacted = sqlstate?.startsWith('22') ? message.replace(/"[^"]*"/g, '"[value]"') : message;
  return clip(redacted, MAX_MESSAGE);
}

/**
 * An error as a log line's `err`: its type, message and stack, its code; for a database error its
 * SQLSTATE, the statement's text (ours hold only `$n` placeholders) and the constraint, table or
 * column it names — never its parameters, nor PostgreSQL's `detail` (it quotes the row), nor
 * anything else attached to it. Causes follow, a few deep.
 */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) {
    return { message: clip(String(error), MAX_MESSAGE) };
  }
  const err = error as ErrorLike;
  const driver = (
    typeof err.driverError === 'object' && err.driverError !== null ? err.driverError : err
  ) as ErrorLike;
  const sqlstate =
    typeof driver.code === 'string' && /^[0-9A-Z]{5}$/.test(driver.code) ? driver.code : undefined;
  const type =
    (error as { constructor?: { name?: string } }).constructor?.name ??
    (typeof err.name === 'string' ? err.name : 'Error');
  const rawMessage = typeof err.message === 'string' ? err.message : '';
  const message = safeMessage(rawMessage, sqlstate);
  const out: Record<string, unknown> = { type, message };
  if (typeof err.stack === 'string') {
    // the stack's first line repeats the message: the same redaction
    out.stack = clip(rawMessage ? err.stack.split(rawMessage).join(message) : err.stack, MAX_STACK);
  }
  if (typeof err.code === 'string' || typeof err.code === 'number') out.code = err.code;
  if (typeof err.status === 'number') out.status = err.status;
  if (sqlstate) {
    out.sqlstate = sqlstate;
    for (const field of DATABASE_FIELDS) {
      if (typeof driver[field] === 'string') out[field] = driver[field];
    }
  }
  if (typeof err.query === 'string') out.statement = clip(err.query, MAX_STATEMENT);
  if (err.cause !== undefined && depth < MAX_CAUSES)
    out.cause = serializeError(err.cause, depth + 1);
  return out;
}

/**
 * A line within MAX_LOG_LINE_BYTES: as it is, or — too long — an account of it with its level,
 * time, ids and message (clipped), its error's type, code and SQLSTATE, and how long it was.
 */
export function capLine(line: string): string {
  if (Buffer.byteLength(line) <= MAX_LOG_LINE_BYTES) return line;
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    // not JSON (a pretty line): only its length is kept
  }
  const kept: Record<string, unknown> = {};
  for (const field of ['level', 'time', 'pid', 'hostname', 'request_id', 'job', 'context']) {
    if (field in parsed) kept[field] = parsed[field];
  }
  if (typeof parsed.msg === 'string') kept.msg = clip(parsed.msg, MAX_MESSAGE);
  const err = parsed.err as Record<string, unknown> | undefined;
  if (err && typeof err === 'object') {
    kept.err = Object.fromEntries(
      ['type', 'code', 'sqlstate', 'constraint', 'table', 'column'].flatMap((field) =>
        field in err ? [[field, err[field]]] : [],
      ),
    );
    if (typeof err.message === 'string') {
      (kept.err as Record<string, unknown>).message = clip(err.message, MAX_MESSAGE);
    }
  }
  kept.truncated = true;
  kept.line_bytes = Buffer.byteLength(line);
  return `${JSON.stringify(kept)}\n`;
}
