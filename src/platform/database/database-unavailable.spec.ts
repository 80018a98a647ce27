import { QueryFailedError } from 'typeorm';
import {
  isDatabaseUnavailableError,
  isDatabaseUnreachableError,
  isStatementTimeoutError,
} from './database-unavailable';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailableError', () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED')],
    ['connection reset', withCode('ECONNRESET')],
    ['unknown host', withCode('ENOTFOUND')],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['dropped connection', new Error('Connection terminated unexpectedly')],
    ['client-side query timeout', new Error('Query read timeout')],
    ['server shutting down (57P01)', withCode('57P01')],
    ['server starting up (57P03)', withCode('57P03')],
    ['connection exception class 08', withCode('08006')],
    ['too many connections', withCode('53300')],
    [
      'wrapped by TypeORM',
      new QueryFailedError('SELECT 1', [], withCode('57P01', 'terminating connection')),
    ],
    ['as a cause', new Error('outer', { cause: withCode('ECONNREFUSED') })],
    [
      'a plain object from another realm',
      { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' },
    ],
  ])('recognises %s', (_case, error) => {
    expect(isDatabaseUnavailableError(error)).toBe(true);
  });

  it.each([
    ['a syntax error', withCode('42601')],
    ['a missing table', new QueryFailedError('SELECT', [], withCode('42P01'))],
    ['a unique violation', withCode('23505')],
    ['a statement timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
    ['undefined', undefined],
  ])('does not mistake %s for an outage', (_case, error) => {
    expect(isDatabaseUnavailableError(error)).toBe(false);
  });

  // issue 21: a slow search's statement timeout opened the breaker and failed everyone
  it('tells a server that is gone from one that is busy or one slow statement', () => {
    const timeout = new QueryFailedError('SELECT', [], withCode('57014', 'canceling statement'));
    expect(isStatementTimeoutError(timeout)).toBe(true);
    expect(isDatabaseUnreachableError(timeout)).toBe(false);
    expect(isDatabaseUnreachableError(withCode('53300'))).toBe(false);
    expect(isDatabaseUnreachableError(new Error('Query read timeout'))).toBe(false);
    // every pool connection busy (a user's slow requests), not a server that went away
    const poolFull = new Error('timeout exceeded when trying to connect');
    expect(isDatabaseUnreachableError(poolFull)).toBe(false);
    expect(isDatabaseUnavailableError(poolFull)).toBe(true);
    const neverAnswered = new Error('Connection terminated due to connection timeout');
    expect(isDatabaseUnreachableError(neverAnswered)).toBe(true);
    for (const gone of [withCode('ECONNREFUSED'), withCode('57P01'), withCode('08006')]) {
      expect(isDatabaseUnreachableError(gone)).toBe(true);
    }
    expect(isStatementTimeoutError(withCode('57P01'))).toBe(false);
  });
});
