import Ajv, { type ValidateFunction } from 'ajv';
import type { FieldError } from '../../platform/errors/system.errors';
import { RequestValidationError } from '../../platform/errors/system.errors';
import { schemaFieldError } from '../../core/http/json-schema-errors';

/**
 * JSON Schemas of the Google API resources the imports take (API.md §7), as far as we read them:
 * Google sends more fields than these, and they are let through (`additionalProperties` is not
 * closed). ajv checks a whole batch before anything is stored.
 */
const BASE64URL = { type: 'string', pattern: '^[A-Za-z0-9_=-]*$' };
/**
 * A format=raw message is parsed (postal-mime) on the event loop at about 7 MB/s: at most 2 MiB
 * of it (2 796 203 base64url characters), so no one message holds the loop past ~300 ms. A larger
 * one (attachments inlined) is imported as format=full, whose attachments are not.
 */
const RAW_MESSAGE = { ...BASE64URL, maxLength: 2_796_203 };
const ID = { type: 'string', minLength: 1, maxLength: 256 };
const TEXT = { type: 'string', maxLength: 10_485_760 };
/** A header value: real ones are a few hundred characters (RFC 5322 lines are ≤ 998). */
const HEADER_VALUE = { type: 'string', maxLength: 65_536 };
/** Google Sheets' own limit for one cell. */
export const MAX_CELL_CHARS = 50_000;
const STRINGS = { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 1000 } };

const GMAIL_PART = {
  $id: 'gmail-part',
  type: 'object',
  properties: {
    mimeType: { type: 'string', maxLength: 255 },
    filename: { type: 'string', maxLength: 1000 },
    headers: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['name', 'value'],
        properties: { name: { type: 'string', maxLength: 1000 }, value: HEADER_VALUE },
      },
    },
    body: {
      type: 'object',
      properties: { data: BASE64URL, size: { type: 'integer' }, attachmentId: { type: 'string' } },
    },
    parts: { type: 'array', maxItems: 500, items: { $ref: 'gmail-part' } },
  },
};

/** Gmail `users.messages`, format=full (`payload`) or format=raw (`raw`). */
const GMAIL_MESSAGE = {
  type: 'object',
  required: ['id'],
  properties: {
    id: ID,
    threadId: ID,
    labelIds: STRINGS,
    snippet: { type: 'string', maxLength: 10_000 },
    internalDate: { type: 'string', pattern: '^[0-9]{1,15}$' },
    payload: { $ref: 'gmail-part' },
    raw: RAW_MESSAGE,
  },
};

/** Drive v3 `File`, plus the text of its content when the caller has it. */
const DRIVE_FILE = {
  type: 'object',
  required: ['id', 'name'],
  properties: {
    id: ID,
    name: { type: 'string', maxLength: 1000 },
    mimeType: { type: 'string', maxLength: 255 },
    // metadata, not the document (that is content_text): capped, as lists answer it whole
    description: { type: 'string', maxLength: 100_000 },
    modifiedTime: { type: 'string', maxLength: 64 },
    size: { type: 'string', pattern: '^[0-9]{1,19}$' },
    webViewLink: { type: 'string', maxLength: 2048 },
    owners: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        properties: {
          displayName: { type: 'string', maxLength: 1000 },
          emailAddress: { type: 'string', maxLength: 1000 },
        },
      },
    },
    content_text: TEXT,
  },
};

/** Sheets `ValueRange`. */
const VALUE_RANGE = {
  type: 'object',
  required: ['range'],
  properties: {
    range: { type: 'string', minLength: 1, maxLength: 500 },
    majorDimension: { enum: ['ROWS', 'COLUMNS', 'DIMENSION_UNSPECIFIED'] },
    values: {
      type: 'array',
      maxItems: 100_000,
      items: {
        type: 'array',
        maxItems: 18_278,
        items: { type: ['string', 'number', 'boolean'], maxLength: MAX_CELL_CHARS },
      },
    },
  },
};

const ajv = new Ajv({ allErrors: true, strict: false, schemas: [GMAIL_PART] });

export const gmailMessageSchema: ValidateFunction = ajv.compile(GMAIL_MESSAGE);
export const driveFileSchema: ValidateFunction = ajv.compile(DRIVE_FILE);
export const valueRangeSchema: ValidateFunction = ajv.compile(VALUE_RANGE);

/**
 * Every item checked against `schema` (and `more`, for what a schema cannot say); all failures
 * at once, each field named from `root` with the item's index: `400 VAL_FAILED`.
 */
export function assertValid<T>(
  items: readonly unknown[],
  root: string,
  schema: ValidateFunction,
  more: (item: T) => FieldError | undefined = () => undefined,
): T[] {
  const errors = items.flatMap((item, index) => {
    const at = `${root}.${index}`;
    if (!schema(item)) return (schema.errors ?? []).map((error) => schemaFieldError(error, at));
    const extra = more(item as T);
    return extra ? [{ field: `${at}.${extra.field}`, message: `${at}.${extra.message}` }] : [];
  });
  if (errors.length > 0) throw new RequestValidationError(errors.slice(0, 50));
  return items as T[];
}

/** The first of `items` whose key another before it has too: one call may not name one twice. */
export function duplicateKey<T>(
  items: readonly T[],
  key: (item: T) => string,
  root: string,
  field: string,
): void {
  const seen = new Set<string>();
  for (const [index, item] of items.entries()) {
    const value = key(item);
    if (seen.has(value)) {
      const name = `${root}.${index}.${field}`;
      throw new RequestValidationError([
        { field: name, message: `${name} appears twice in this call` },
      ]);
    }
    seen.add(value);
  }
}
