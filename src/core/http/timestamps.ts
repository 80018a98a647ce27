import { isISO8601, ValidateBy } from 'class-validator';

/**
 * The times both PostgreSQL and JavaScript hold and write the same way: years 0001 to 9999.
 * JavaScript reaches year 275760 and writes years past 9999 as `+020000-…`, which PostgreSQL
 * does not read back; PostgreSQL has no year 0.
 */
const EARLIEST_MS = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** Whether `date` is a real time in years 0001–9999. */
export function isStorableTime(date: Date): boolean {
  const ms = date.getTime();
  return ms >= EARLIEST_MS && ms <= LATEST_MS; // NaN is neither
}

/** A date-time text (RFC 3339 / ISO 8601) as a Date, when it is one in years 0001–9999. */
export function storableTimeOf(text: string): Date | undefined {
  const date = new Date(text);
  return isStorableTime(date) ? date : undefined;
}

export const STORABLE_TIME_MESSAGE = 'must be an ISO 8601 date-time in the years 0001 to 9999';

/** An ISO 8601 date-time in years 0001–9999 (`400 VAL_FAILED` otherwise). */
export function IsTimestamp(): PropertyDecorator {
  return ValidateBy({
    name: 'isTimestamp',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        isISO8601(value, { strict: true }) &&
        storableTimeOf(value) !== undefined,
      defaultMessage: () => `$property ${STORABLE_TIME_MESSAGE}`,
    },
  });
}
