import { escapeLike, type SqlParams } from '../../platform/database/sql';
import { type CursorPosition, keysetAfter } from '../../platform/database/keyset';
import type { CasefileSort, QueryCondition, SortKey } from './casefile-conditions';

/**
 * The SQL of a casefile list's filters, conditions (`POST /casefiles/query`), sort and keyset, on
 * the casefiles alias `c`; values always bound, never in the text.
 */
export interface CasefileCriteria {
  tag?: string;
  q?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  ownerId?: string;
  includeDeleted?: boolean;
  /** From `POST /casefiles/query`, already checked against the whitelist. */
  conditions?: readonly QueryCondition[];
}

const SORT_COLUMN: Record<SortKey, { column: string; alias: string; type: string }> = {
  created_at: { column: 'created_at', alias: '"createdAt"', type: 'timestamptz' },
  updated_at: { column: 'updated_at', alias: '"updatedAt"', type: 'timestamptz' },
  title: { column: 'title', alias: 'title', type: 'text' },
};

function conditionSql(condition: QueryCondition, params: SqlParams): string {
  const { field, operator, value } = condition;
  if (field === 'tags') {
    switch (operator) {
      case 'eq':
        return `c.tags @> ARRAY[${params.bind(value)}::text]`;
      case 'ne':
        return `NOT (c.tags @> ARRAY[${params.bind(value)}::text])`;
      case 'in':
        return `c.tags && ${params.bind(value)}::text[]`;
      case 'nin':
        return `NOT (c.tags && ${params.bind(value)}::text[])`;
      case 'like':
        return `EXISTS (SELECT 1 FROM unnest(c.tags) t WHERE t ILIKE ${params.bind(value)})`;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        throw new Error(
          `operator ${operator} is not valid for tags (validateConditions refuses it)`,
        );
    }
  }
  const type = {
    title: 'text',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
    owner_id: 'uuid',
  }[field];
  const column = `c.${field}`;
  switch (operator) {
    case 'eq':
      return `${column} = ${params.bind(value)}::${type}`;
    case 'ne':
      return `${column} <> ${params.bind(value)}::${type}`;
    case 'gt':
      return `${column} > ${params.bind(value)}::${type}`;
    case 'gte':
      return `${column} >= ${params.bind(value)}::${type}`;
    case 'lt':
      return `${column} < ${params.bind(value)}::${type}`;
    case 'lte':
      return `${column} <= ${params.bind(value)}::${type}`;
    case 'in':
      return `${column} = ANY(${params.bind(value)}::${type}[])`;
    case 'nin':
      return `NOT (${column} = ANY(${params.bind(value)}::${type}[]))`;
    case 'like':
      return `${column} ILIKE ${params.bind(value)}`;
  }
}

/** WHERE terms on alias `c`, shared by every branch of a list query. */
export function criteriaSql(criteria: CasefileCriteria, params: SqlParams): string[] {
  const terms: string[] = [];
  if (!criteria.includeDeleted) terms.push('c.deleted_at IS NULL');
  if (criteria.tag !== undefined) terms.push(`c.tags @> ARRAY[${params.bind(criteria.tag)}::text]`);
  if (criteria.q) {
    terms.push(
      `(c.title || ' ' || coalesce(c.description, '')) ILIKE ${params.bind(`%${escapeLike(criteria.q)}%`)}`,
    );
  }
  if (criteria.createdAfter) terms.push(`c.created_at > ${params.bind(criteria.createdAfter)}`);
  if (criteria.createdBefore) terms.push(`c.created_at < ${params.bind(criteria.createdBefore)}`);
  if (criteria.ownerId) terms.push(`c.owner_id = ${params.bind(criteria.ownerId)}`);
  for (const condition of criteria.conditions ?? []) terms.push(conditionSql(condition, params));
  return terms;
}

export function keysetSql(
  sort: CasefileSort,
  after: CursorPosition | undefined,
  params: SqlParams,
) {
  const { column, type } = SORT_COLUMN[sort.key];
  return keysetAfter(
    { key: `c.${column}`, id: 'c.id', keyType: type },
    after,
    sort.direction,
    params,
  );
}

/** The sort key of a row as the text a cursor carries. */
export const cursorKeySql = (sort: CasefileSort): string =>
  `c.${SORT_COLUMN[sort.key].column}::text AS "cursorKey"`;

export function orderSql(sort: CasefileSort, alias: string, useAliases = false): string {
  const direction = sort.direction === 'desc' ? 'DESC' : 'ASC';
  const column = useAliases
    ? SORT_COLUMN[sort.key].alias
    : `${alias}.${SORT_COLUMN[sort.key].column}`;
  return `${column} ${direction}, ${alias}.id ${direction}`;
}
