import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { uuidv7 } from 'uuidv7';
import type { CursorPosition } from '../../core/http/pagination';
import type { PermissionLevel } from '../access/permission-level';
import type { CasefileSort, QueryCondition, SortKey } from './casefile-conditions';
import type { Relation } from './dto/list-casefiles.query';

/** A casefile as the API shows it: the row, what sits in it, and the reader's level. */
export interface CasefileRow {
  id: string;
  ownerId: string;
  title: string;
  description: string | null;
  tags: string[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  toolSessions: number;
  myPermission: PermissionLevel | null;
}

export type ListedCasefileRow = CasefileRow & { cursorKey: string };

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

const COLUMNS = `c.id, c.owner_id AS "ownerId", c.title, c.description, c.tags, c.version,
  c.created_at AS "createdAt", c.updated_at AS "updatedAt", c.deleted_at AS "deletedAt"`;

/** What a casefile holds; the chat and workspace tables join this list when they land. */
const COUNTS = (alias: string) =>
  `(SELECT count(*)::int FROM tool_sessions s WHERE s.casefile_id = ${alias}.id) AS "toolSessions"`;

/** The reader's level on casefile `c`: owner by owner_id, else their grant (null: none). */
const READER_GRANT = (reader: string) =>
  `LEFT JOIN casefile_permissions p ON p.casefile_id = c.id AND p.user_id = ${reader}`;
const READER_LEVEL = (reader: string) =>
  `CASE WHEN c.owner_id = ${reader} THEN 'owner' ELSE p.level END AS "myPermission"`;

const SORT_COLUMN: Record<SortKey, { column: string; alias: string; type: string }> = {
  created_at: { column: 'created_at', alias: '"createdAt"', type: 'timestamptz' },
  updated_at: { column: 'updated_at', alias: '"updatedAt"', type: 'timestamptz' },
  title: { column: 'title', alias: 'title', type: 'text' },
};

/** Collects bind parameters; SQL text never contains a value, only `$n`. */
class Params {
  readonly values: unknown[] = [];
  bind(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const LIKE_ESCAPE = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function conditionSql(condition: QueryCondition, params: Params): string {
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
function criteriaSql(criteria: CasefileCriteria, params: Params): string[] {
  const terms: string[] = [];
  if (!criteria.includeDeleted) terms.push('c.deleted_at IS NULL');
  if (criteria.tag !== undefined) terms.push(`c.tags @> ARRAY[${params.bind(criteria.tag)}::text]`);
  if (criteria.q) {
    terms.push(
      `(c.title || ' ' || coalesce(c.description, '')) ILIKE ${params.bind(`%${LIKE_ESCAPE(criteria.q)}%`)}`,
    );
  }
  if (criteria.createdAfter) terms.push(`c.created_at > ${params.bind(criteria.createdAfter)}`);
  if (criteria.createdBefore) terms.push(`c.created_at < ${params.bind(criteria.createdBefore)}`);
  if (criteria.ownerId) terms.push(`c.owner_id = ${params.bind(criteria.ownerId)}`);
  for (const condition of criteria.conditions ?? []) terms.push(conditionSql(condition, params));
  return terms;
}

function keysetSql(sort: CasefileSort, after: CursorPosition | undefined, params: Params) {
  if (!after) return [];
  const { column, type } = SORT_COLUMN[sort.key];
  const comparison = sort.direction === 'desc' ? '<' : '>';
  return [
    `(c.${column}, c.id) ${comparison} (${params.bind(after.key)}::${type}, ${params.bind(after.id)}::uuid)`,
  ];
}

function orderSql(sort: CasefileSort, alias: string, useAliases = false): string {
  const direction = sort.direction === 'desc' ? 'DESC' : 'ASC';
  const column = useAliases
    ? SORT_COLUMN[sort.key].alias
    : `${alias}.${SORT_COLUMN[sort.key].column}`;
  return `${column} ${direction}, ${alias}.id ${direction}`;
}

const where = (terms: string[]) => (terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '');

/**
 * Where the casefiles a user sees come from, each as `FROM …` text on alias `c` with `terms`
 * applied: the ones they own, and the ones granted to them.
 */
function visibleSources(relation: Relation, me: string, terms: string[]) {
  const sources: { level: string; from: string }[] = [];
  if (relation !== 'shared') {
    sources.push({
      level: "'owner'",
      from: `casefiles c ${where([`c.owner_id = ${me}`, ...terms])}`,
    });
  }
  if (relation !== 'owned') {
    sources.push({
      level: 'p.level',
      from: `casefile_permissions p JOIN casefiles c ON c.id = p.casefile_id
             ${where([`p.user_id = ${me}`, ...terms])}`,
    });
  }
  return sources;
}

@Injectable()
export class CasefilesRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private query<T>(sql: string, params: unknown[]): Promise<T> {
    return this.txHost.tx.query<T>(sql, params);
  }

  async insert(casefile: {
    ownerId: string;
    title: string;
    description: string | null;
    tags: string[];
  }): Promise<CasefileRow> {
    const [row] = await this.query<CasefileRow[]>(
      `INSERT INTO casefiles AS c (id, owner_id, title, description, tags)
       VALUES ($1, $2, $3, $4, $5)
       RETURNING ${COLUMNS}, 0 AS "toolSessions", 'owner' AS "myPermission"`,
      [uuidv7(), casefile.ownerId, casefile.title, casefile.description, casefile.tags],
    );
    return row;
  }

  /**
   * A live casefile with the reader's level, in one query (the hot path of GET): `myPermission`
   * is null when the reader has no access; undefined means no such live casefile.
   */
  async findWithLevel(id: string, userId: string): Promise<CasefileRow | undefined> {
    const rows = await this.query<CasefileRow[]>(
      `SELECT ${COLUMNS}, ${COUNTS('c')}, ${READER_LEVEL('$2')}
         FROM casefiles c ${READER_GRANT('$2')}
        WHERE c.id = $1 AND c.deleted_at IS NULL`,
      [id, userId],
    );
    return rows[0];
  }

  /**
   * Applies a change and bumps the version in one statement; with `expectedVersion` the check is
   * part of that statement, so of two writers holding the same version exactly one succeeds.
   * Undefined when nothing was updated (gone, or another version).
   */
  async update(
    id: string,
    patch: { title?: string; description?: string | null; tags?: string[] },
    expectedVersion: number | undefined,
  ): Promise<Omit<CasefileRow, 'myPermission'> | undefined> {
    const params = new Params();
    const sets = ['version = c.version + 1', 'updated_at = now()'];
    if (patch.title !== undefined) sets.push(`title = ${params.bind(patch.title)}`);
    if (patch.description !== undefined) {
      sets.push(`description = ${params.bind(patch.description)}`);
    }
    if (patch.tags !== undefined) sets.push(`tags = ${params.bind(patch.tags)}::text[]`);
    const terms = [`c.id = ${params.bind(id)}`, 'c.deleted_at IS NULL'];
    if (expectedVersion !== undefined) terms.push(`c.version = ${params.bind(expectedVersion)}`);
    const [rows] = await this.query<[Omit<CasefileRow, 'myPermission'>[], number]>(
      `UPDATE casefiles AS c SET ${sets.join(', ')} ${where(terms)}
       RETURNING ${COLUMNS}, ${COUNTS('c')}`,
      params.values,
    );
    return rows[0];
  }

  async currentVersion(id: string): Promise<number | undefined> {
    const rows = await this.query<{ version: number }[]>(
      'SELECT version FROM casefiles WHERE id = $1 AND deleted_at IS NULL',
      [id],
    );
    return rows[0]?.version;
  }

  /** Soft delete: the row stays for the audit trail, every read skips it. */
  async softDelete(id: string): Promise<boolean> {
    const [, count] = await this.query<[unknown[], number]>(
      `UPDATE casefiles SET deleted_at = now(), updated_at = now(), version = version + 1
        WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    return count > 0;
  }

  /** The owner of a live casefile, with the row locked until the transaction ends. */
  async lockOwner(id: string): Promise<string | undefined> {
    const rows = await this.query<{ owner_id: string }[]>(
      'SELECT owner_id FROM casefiles WHERE id = $1 AND deleted_at IS NULL FOR UPDATE',
      [id],
    );
    return rows[0]?.owner_id;
  }

  async setOwner(id: string, ownerId: string): Promise<void> {
    await this.query(
      `UPDATE casefiles SET owner_id = $2, owner_since = now(), updated_at = now(),
              version = version + 1
        WHERE id = $1`,
      [id, ownerId],
    );
  }

  /**
   * One page of the casefiles a user can see. Owned and shared casefiles are two keyset-ordered,
   * limited index scans merged afterwards, so the cost follows the page size, not how many
   * casefiles the user has or the table holds.
   */
  async listVisible(
    userId: string,
    relation: Relation,
    criteria: CasefileCriteria,
    sort: CasefileSort,
    limit: number,
    after: CursorPosition | undefined,
  ): Promise<ListedCasefileRow[]> {
    const params = new Params();
    const me = params.bind(userId);
    const terms = [...criteriaSql(criteria, params), ...keysetSql(sort, after, params)];
    const take = params.bind(limit + 1);
    const cursorKey = `c.${SORT_COLUMN[sort.key].column}::text AS "cursorKey"`;
    const branches = visibleSources(relation, me, terms).map(
      (source) => `(SELECT ${COLUMNS}, ${cursorKey}, ${source.level} AS "myPermission"
          FROM ${source.from}
         ORDER BY ${orderSql(sort, 'c')} LIMIT ${take})`,
    );
    return this.query<ListedCasefileRow[]>(
      `SELECT v.*, ${COUNTS('v')}
         FROM (SELECT * FROM (${branches.join(' UNION ALL ')}) u
                ORDER BY ${orderSql(sort, 'u', true)} LIMIT ${take}) v
        ORDER BY ${orderSql(sort, 'v', true)}`,
      params.values,
    );
  }

  async countVisible(
    userId: string,
    relation: Relation,
    criteria: CasefileCriteria,
  ): Promise<number> {
    const params = new Params();
    const me = params.bind(userId);
    const terms = criteriaSql(criteria, params);
    const sum = visibleSources(relation, me, terms)
      .map((source) => `(SELECT count(*) FROM ${source.from})`)
      .join(' + ');
    const [row] = await this.query<{ total: number }[]>(
      `SELECT (${sum})::int AS total`,
      params.values,
    );
    return row.total;
  }

  /** One page of every casefile (admin), with the reader's own level on each. */
  async listAll(
    readerId: string,
    criteria: CasefileCriteria,
    sort: CasefileSort,
    limit: number,
    after: CursorPosition | undefined,
  ): Promise<ListedCasefileRow[]> {
    const params = new Params();
    const reader = params.bind(readerId);
    const terms = [...criteriaSql(criteria, params), ...keysetSql(sort, after, params)];
    return this.query<ListedCasefileRow[]>(
      `SELECT ${COLUMNS}, ${COUNTS('c')}, ${READER_LEVEL(reader)},
              c.${SORT_COLUMN[sort.key].column}::text AS "cursorKey"
         FROM casefiles c ${READER_GRANT(reader)}
        ${where(terms)}
        ORDER BY ${orderSql(sort, 'c')}
        LIMIT ${params.bind(limit + 1)}`,
      params.values,
    );
  }

  async countAll(criteria: CasefileCriteria): Promise<number> {
    const params = new Params();
    const [row] = await this.query<{ total: number }[]>(
      `SELECT count(*)::int AS total FROM casefiles c ${where(criteriaSql(criteria, params))}`,
      params.values,
    );
    return row.total;
  }
}
