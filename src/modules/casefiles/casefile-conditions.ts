import type { FieldError } from '../../platform/errors/system.errors';
import { RequestValidationError } from '../../platform/errors/system.errors';
import { isStorableTime, STORABLE_TIME_MESSAGE } from '../../core/http/timestamps';

/** What `POST /casefiles/query` may filter on, and how (API.md §4). Nothing else reaches SQL. */
export const QUERY_FIELDS = ['title', 'tags', 'created_at', 'updated_at', 'owner_id'] as const;
export type QueryField = (typeof QUERY_FIELDS)[number];

export const QUERY_OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'like'] as const;
export type QueryOperator = (typeof QUERY_OPERATORS)[number];

export const SORT_KEYS = ['created_at', 'updated_at', 'title'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export interface CasefileSort {
  key: SortKey;
  direction: 'asc' | 'desc';
}

type Scalar = string | Date;

/** A filter that passed validation: its value has the field's type (arrays for in/nin). */
export interface QueryCondition {
  field: QueryField;
  operator: QueryOperator;
  value: Scalar | Scalar[];
}

const MAX_LIST_VALUES = 100;
const MAX_TEXT = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** ISO 8601 with a day that exists (JavaScript would quietly turn Feb 30 into Mar 2). */
function isCalendarDate(value: string): boolean {
  if (!ISO_INSTANT.test(value)) return false;
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day && month >= 1 && month <= 12;
}

const OPERATORS_OF: Record<QueryField, readonly QueryOperator[]> = {
  title: QUERY_OPERATORS,
  tags: ['eq', 'ne', 'in', 'nin', 'like'],
  created_at: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin'],
  updated_at: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin'],
  owner_id: ['eq', 'ne', 'in', 'nin'],
};

/** The value of one field as the database will compare it, or an error message. */
function parseScalar(field: QueryField, value: unknown): Scalar | string[] {
  switch (field) {
    case 'title':
    case 'tags':
      return typeof value === 'string' && value.length <= MAX_TEXT
        ? value
        : [`must be a string of at most ${MAX_TEXT} characters`];
    case 'created_at':
    case 'updated_at': {
      const date = typeof value === 'string' && isCalendarDate(value) ? new Date(value) : null;
      return date && isStorableTime(date) ? date : [STORABLE_TIME_MESSAGE];
    }
    case 'owner_id':
      return typeof value === 'string' && UUID.test(value) ? value : ['must be a UUID'];
  }
}

/**
 * Checks each `{field, operator, value}` against the whitelist and the field's type; every
 * problem is reported at once as `400 VAL_FAILED` with `filters.<i>.<part>` field names.
 */
export function validateConditions(
  filters: readonly { field: string; operator: string; value: unknown }[],
): QueryCondition[] {
  const errors: FieldError[] = [];
  const conditions: QueryCondition[] = [];
  filters.forEach((filter, index) => {
    const at = `filters.${index}`;
    const field = filter.field as QueryField;
    const operator = filter.operator as QueryOperator;
    if (!QUERY_FIELDS.includes(field)) {
      errors.push({
        field: `${at}.field`,
        message: `field must be one of ${QUERY_FIELDS.join(', ')}`,
      });
      return;
    }
    if (!OPERATORS_OF[field].includes(operator)) {
      errors.push({
        field: `${at}.operator`,
        message: `operator for ${field} must be one of ${OPERATORS_OF[field].join(', ')}`,
      });
      return;
    }
    const listed = operator === 'in' || operator === 'nin';
    if (listed) {
      if (
        !Array.isArray(filter.value) ||
        filter.value.length === 0 ||
        filter.value.length > MAX_LIST_VALUES
      ) {
        errors.push({
          field: `${at}.value`,
          message: `value must be an array of 1 to ${MAX_LIST_VALUES} items for ${operator}`,
        });
        return;
      }
      const values: Scalar[] = [];
      for (const item of filter.value as unknown[]) {
        const parsed = parseScalar(field, item);
        if (Array.isArray(parsed)) {
          errors.push({ field: `${at}.value`, message: `each value ${parsed[0]}` });
          return;
        }
        values.push(parsed);
      }
      conditions.push({ field, operator, value: values });
      return;
    }
    const parsed = parseScalar(field, filter.value);
    if (Array.isArray(parsed)) {
      errors.push({ field: `${at}.value`, message: `value ${parsed[0]}` });
      return;
    }
    conditions.push({ field, operator, value: parsed });
  });
  if (errors.length > 0) throw new RequestValidationError(errors);
  return conditions;
}
