import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { uuidv7 } from 'uuidv7';
import { Sql, SqlParams, where } from '../../platform/database/sql';
import { CasefileEntity } from './casefile.entity';
import { CasefileContentList, type CasefileCountKey, countsSql } from './casefile-contents';
import type { CasefileSort } from './casefile-conditions';
import {
  type CasefileCriteria,
  criteriaSql,
  cursorKeySql,
  keysetSql,
  orderSql,
} from './casefile-list.sql';
import type { Relation } from './dto/list-casefiles.dto';
import type { CursorPosition } from '../../platform/database/keyset';
import { casefileLevel, type PermissionLevel, visibleCasefileSources } from '../access';

/** A casefile as the API shows it: the row, what sits in it, and the reader's level. */
export type CasefileRow = Omit<CasefileEntity, 'ownerSince'> & {
  /** What each domain keeps in it (a domain that is not there yet counts nothing). */
  counts: Partial<Record<CasefileCountKey, number>>;
  myPermission: PermissionLevel | null;
};

export type ListedCasefileRow = CasefileRow & { cursorKey: string };

const READER_LEVEL = (reader: string) => `${casefileLevel.ofRow('c', reader)} AS "myPermission"`;

@Injectable()
export class CasefilesRepository implements OnModuleInit {
  /** `counts` of a casefile alias, from what each domain says it keeps in a casefile. */
  private counts: (alias: string) => string = () => {
    throw new Error('CasefilesRepository used before its module was initialised');
  };

  /** The SELECT list of a row (names from the entity). */
  private readonly casefileColumns: string;

  constructor(
    private readonly sql: Sql,
    private readonly discovery: DiscoveryService,
  ) {
    this.casefileColumns = sql.columnsOf(CasefileEntity).select('c', { omit: ['ownerSince'] });
  }

  /** Every module's `provideCasefileContents()`, found once all providers exist. */
  onModuleInit(): void {
    const contents = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance) => instance instanceof CasefileContentList)
      .flatMap((list) => list.contents);
    this.counts = countsSql(contents);
  }

  async insert(casefile: {
    ownerId: string;
    title: string;
    description: string | null;
    tags: string[];
  }): Promise<CasefileRow> {
    const row = await this.sql.one<Omit<CasefileRow, 'counts'>>(
      `INSERT INTO casefiles AS c (id, owner_id, title, description, tags)
       VALUES ($1, $2, $3, $4, $5)
       RETURNING ${this.casefileColumns}, 'owner' AS "myPermission"`,
      [uuidv7(), casefile.ownerId, casefile.title, casefile.description, casefile.tags],
    );
    return { ...(row as Omit<CasefileRow, 'counts'>), counts: {} };
  }

  /**
   * A live casefile with the reader's level, in one query (the hot path of GET): `myPermission`
   * is null when the reader has no access; undefined means no such live casefile.
   */
  findWithLevel(id: string, userId: string): Promise<CasefileRow | undefined> {
    return this.sql.one<CasefileRow>(
      `SELECT ${this.casefileColumns}, ${this.counts('c')}, ${READER_LEVEL('$2')}
         FROM casefiles c WHERE c.id = $1 AND c.deleted_at IS NULL`,
      [id, userId],
    );
  }

  /**
   * Applies a change and bumps the version in one statement; with `expectedVersion` the check is
   * part of that statement, so of two writers holding the same version exactly one succeeds.
   * Undefined when nothing was updated (gone, or another version).
   */
  update(
    id: string,
    patch: { title?: string; description?: string | null; tags?: string[] },
    expectedVersion: number | undefined,
  ): Promise<Omit<CasefileRow, 'myPermission'> | undefined> {
    const params = new SqlParams();
    const sets = ['version = c.version + 1', 'updated_at = now()'];
    if (patch.title !== undefined) sets.push(`title = ${params.bind(patch.title)}`);
    if (patch.description !== undefined) {
      sets.push(`description = ${params.bind(patch.description)}`);
    }
    if (patch.tags !== undefined) sets.push(`tags = ${params.bind(patch.tags)}::text[]`);
    const terms = [`c.id = ${params.bind(id)}`, 'c.deleted_at IS NULL'];
    if (expectedVersion !== undefined) terms.push(`c.version = ${params.bind(expectedVersion)}`);
    return this.sql.one<Omit<CasefileRow, 'myPermission'>>(
      `UPDATE casefiles AS c SET ${sets.join(', ')} ${where(terms)}
       RETURNING ${this.casefileColumns}, ${this.counts('c')}`,
      params.values,
    );
  }

  async currentVersion(id: string): Promise<number | undefined> {
    const row = await this.sql.one<{ version: number }>(
      'SELECT version FROM casefiles WHERE id = $1 AND deleted_at IS NULL',
      [id],
    );
    return row?.version;
  }

  /** Soft delete: the row stays for the audit trail, every read skips it. */
  async softDelete(id: string): Promise<boolean> {
    const count = await this.sql.count(
      `UPDATE casefiles SET deleted_at = now(), updated_at = now(), version = version + 1
        WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    return count > 0;
  }

  /** The owner of a live casefile, with the row locked until the transaction ends. */
  async lockOwner(id: string): Promise<string | undefined> {
    const row = await this.sql.one<{ ownerId: string }>(
      'SELECT owner_id AS "ownerId" FROM casefiles WHERE id = $1 AND deleted_at IS NULL FOR UPDATE',
      [id],
    );
    return row?.ownerId;
  }

  async setOwner(id: string, ownerId: string): Promise<void> {
    await this.sql.count(
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
    take: number,
    after: CursorPosition | undefined,
  ): Promise<ListedCasefileRow[]> {
    const params = new SqlParams();
    const me = params.bind(userId);
    const terms = [...criteriaSql(criteria, params), ...keysetSql(sort, after, params)];
    const limit = params.bind(take);
    const cursorKey = cursorKeySql(sort);
    const branches = visibleCasefileSources(relation, { casefile: 'c', user: me, terms }).map(
      (source) => `(SELECT ${this.casefileColumns}, ${cursorKey}, ${source.level} AS "myPermission"
          FROM ${source.from}
         ORDER BY ${orderSql(sort, 'c')} LIMIT ${limit})`,
    );
    return this.sql.rows<ListedCasefileRow>(
      `SELECT v.*, ${this.counts('v')}
         FROM (SELECT * FROM (${branches.join(' UNION ALL ')}) u
                ORDER BY ${orderSql(sort, 'u', true)} LIMIT ${limit}) v
        ORDER BY ${orderSql(sort, 'v', true)}`,
      params.values,
    );
  }

  async countVisible(
    userId: string,
    relation: Relation,
    criteria: CasefileCriteria,
  ): Promise<number> {
    const params = new SqlParams();
    const me = params.bind(userId);
    const terms = criteriaSql(criteria, params);
    const sum = visibleCasefileSources(relation, { casefile: 'c', user: me, terms })
      .map((source) => `(SELECT count(*) FROM ${source.from})`)
      .join(' + ');
    const row = await this.sql.one<{ total: number }>(
      `SELECT (${sum})::int AS total`,
      params.values,
    );
    return row?.total ?? 0;
  }

  /** One page of every casefile (admin), with the reader's own level on each. */
  async listAll(
    readerId: string,
    criteria: CasefileCriteria,
    sort: CasefileSort,
    take: number,
    after: CursorPosition | undefined,
  ): Promise<ListedCasefileRow[]> {
    const params = new SqlParams();
    const reader = params.bind(readerId);
    const terms = [...criteriaSql(criteria, params), ...keysetSql(sort, after, params)];
    return this.sql.rows<ListedCasefileRow>(
      `SELECT ${this.casefileColumns}, ${this.counts('c')}, ${READER_LEVEL(reader)},
              ${cursorKeySql(sort)}
         FROM casefiles c
        ${where(terms)}
        ORDER BY ${orderSql(sort, 'c')}
        LIMIT ${params.bind(take)}`,
      params.values,
    );
  }

  async countAll(criteria: CasefileCriteria): Promise<number> {
    const params = new SqlParams();
    const row = await this.sql.one<{ total: number }>(
      `SELECT count(*)::int AS total FROM casefiles c ${where(criteriaSql(criteria, params))}`,
      params.values,
    );
    return row?.total ?? 0;
  }
}
