import { QueryFailedError } from 'typeorm';
import { capLine, MAX_LOG_LINE_BYTES, serializeError } from './log-safety';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';

/** What node-postgres throws: a DatabaseError with the fields PostgreSQL sent. */
function pgError(fields: Record<string, string>, message: string): Error {
  return Object.assign(new Error(message), { severity: 'ERROR', ...fields });
}

describe('log safety', () => {
  it('logs a failed statement by its SQLSTATE and text, never its parameters or the row', () => {
    const driver = pgError(
      {
        code: '23502',
        table: 'users',
        column: 'email',
        detail: `Failing row contains (1, null, ${HASH}).`,
      },
      'null value in column "email" of relation "users" violates not-null constraint',
    );
    const error = new QueryFailedError(
      'INSERT INTO users (email, password_hash) VALUES ($1, $2)',
      [null, HASH],
      driver,
    );
    const logged = JSON.stringify(serializeError(error));
    expect(logged).not.toContain(HASH);
    expect(serializeError(error)).toMatchObject({
      type: 'QueryFailedError',
      sqlstate: '23502',
      table: 'users',
      column: 'email',
      statement: 'INSERT INTO users (email, password_hash) VALUES ($1, $2)',
    });
  });

  it('leaves out the value a data exception quotes, in the message and the stack', () => {
    const secret = 'chk_live_key_that_must_not_leak';
    const driver = pgError({ code: '22P02' }, `invalid input syntax for type integer: "${secret}"`);
    const error = new QueryFailedError('SELECT $1::integer', [secret], driver);
    const logged = serializeError(error);
    expect(JSON.stringify(logged)).not.toContain(secret);
    expect(logged.message).toBe('invalid input syntax for type integer: "[value]"');
  });

  it('follows causes a few deep, each by shape', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const outer = new Error('outer', { cause: inner });
    expect(serializeError(outer)).toMatchObject({
      message: 'outer',
      cause: { message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' },
    });
    expect(serializeError('plain')).toEqual({ message: 'plain' });
  });

  it('keeps a short line as it is and caps a long one at a short account of it', () => {
    const short = `${JSON.stringify({ level: 30, msg: 'fine' })}\n`;
    expect(capLine(short)).toBe(short);
    const long = `${JSON.stringify({
      level: 50,
      time: 1,
      request_id: 'r-1',
      msg: 'import failed',
      err: { type: 'QueryFailedError', sqlstate: '54000', message: 'x'.repeat(2_000_000) },
    })}\n`;
    const capped = capLine(long);
    expect(Buffer.byteLength(capped)).toBeLessThan(MAX_LOG_LINE_BYTES);
    expect(JSON.parse(capped)).toMatchObject({
      level: 50,
      request_id: 'r-1',
      msg: 'import failed',
      err: { type: 'QueryFailedError', sqlstate: '54000' },
      truncated: true,
      line_bytes: Buffer.byteLength(long),
    });
  });
});
