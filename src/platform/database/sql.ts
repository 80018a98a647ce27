import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { PipelinedTypeOrmAdapter } from '../overrides/pipelined-transactions';
import { createHash } from 'node:crypto';
import type { Pool, QueryConfig, QueryResult } from 'pg';
import { DataSource, type EntityManager, type EntityTarget, QueryFailedError } from 'typeorm';
import { EntityColumns } from './entity-columns';
import { ClsServiceManager } from 'nestjs-cls';
import { DatabaseUnavailableError } from '../errors/system.errors';
import { DatabaseBreaker } from './database-breaker';
import { poolOf } from './data-source-options';
import {
  type PipelinedTransaction,
  pipelinedTransactionOf,
} from '../overrides/pipelined-transactions';

/**
 * Collects bind parameters for SQL built in pieces: the text only ever holds `$n`, never a value.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  bind(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** `WHERE a AND b`, or nothing for no terms. */
export const where = (terms: readonly string[]): string =>
  terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '';

/** A LIKE pattern's wildcards made literal (PostgreSQL's default escape is the backslash). */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The unique constraint or index that a failed statement violated, if that is why it failed. */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driver = error.driverError as { code?: string; constraint?: string };
  return driver.code === '23505' ? driver.constraint : undefined;
}

/** Past this many distinct statements, new ones go unnamed (a bound on per-connection memory). */
const MAX_NAMED_STATEMENTS = 2_000;
const statementNames = new Map<string, string>();

/**
 * A stable name per statement text, so each pooled connection parses and plans it once and then
 * only binds and executes (`Parse` is skipped by pg for a name the connection already prepared).
 * Texts hold only `$n` placeholders, never values, so the set of texts is bounded.
 */
function statementName(text: string): string | undefined {
  const known = statementNames.get(text);
  if (known !== undefined || statementNames.size >= MAX_NAMED_STATEMENTS) return known;
  const name = `cf_${createHash('sha1').update(text).digest('base64url').slice(0, 22)}`;
  statementNames.set(text, name);
  return name;
}

/** The CLS slot holding the mark of the current work's database work (see `abandonable`). */
const ABANDONMENT = 'sql:abandonment';

interface Abandonment {
  abandoned: boolean;
}

/**
 * Marks the start of database work that a 503 may abandon (the hub, before a request's
 * transaction). A request already answered 503 because the database stopped answering must not
 * go on writing when it answers again: once `abandon()` is called, every statement of this work
 * fails, so its transaction rolls back when the server answers again. The mark is one object put
 * in the CLS context now, so every context nested from here — the transaction's, a tool's, made
 * before or after the abandonment — sees it (nested contexts are copies of this one's values).
 */
export function abandonableDatabaseWork(): { abandon(): void } {
  const cls = ClsServiceManager.getClsService<Record<string, unknown>>();
  const mark: Abandonment = { abandoned: false };
  if (cls.isActive()) cls.set(ABANDONMENT, mark);
  return {
    abandon: () => {
      mark.abandoned = true;
    },
  };
}

/** Whether the work of the current context was abandoned (its statements then fail). */
export function databaseWorkAbandoned(): boolean {
  const cls = ClsServiceManager.getClsService<Record<string, unknown>>();
  if (!cls.isActive()) return false;
  return cls.get<Abandonment | undefined>(ABANDONMENT)?.abandoned === true;
}

function queryConfig(text: string, params: readonly unknown[]): QueryConfig {
  return { name: statementName(text), text, values: [...params] };
}

/** Runs parameterised SQL on whatever manager `manager()` answers at the time of the call. */
export class SqlExecutor {
  constructor(
    private readonly manager: () => EntityManager,
    private readonly breaker: DatabaseBreaker,
  ) {}

  /** The rows of a SELECT, or of any statement with RETURNING. */
  async rows<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.run(text, params)).rows as T[];
  }

  /** The first row, or undefined. */
  async one<T>(text: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.rows<T>(text, params))[0];
  }

  /** How many rows an INSERT, UPDATE or DELETE touched. */
  async count(text: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.run(text, params)).rowCount ?? 0;
  }

  /**
   * A write whose result nobody reads (an audit event): inside a transaction it is sent together
   * with the COMMIT, in the same round trip, and its failure fails the transaction; outside one it
   * runs at once.
   */
  async deferToCommit(text: string, params: readonly unknown[] = []): Promise<void> {
    const manager = this.manager();
    if (!manager.queryRunner) {
      await this.count(text, params);
      return;
    }
    const transaction = this.transactionOf(manager);
    this.assertMayRun();
    transaction.defer(queryConfig(text, params));
  }

  /**
   * Straight to node-postgres as a named prepared statement: on the transaction's connection when
   * the manager holds one, otherwise on a pooled connection for just this statement. Failures are
   * TypeORM's QueryFailedError, as everywhere else.
   */
  private async run(text: string, params: readonly unknown[]): Promise<QueryResult> {
    this.assertMayRun();
    const manager = this.manager();
    const query = queryConfig(text, params);
    try {
      const pending = manager.queryRunner
        ? this.transactionOf(manager).query(query)
        : (poolOf(manager.connection) as Pool).query(query);
      return await this.breaker.guard(pending);
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) throw error;
      throw error instanceof QueryFailedError
        ? error
        : new QueryFailedError(text, [...params], error as Error);
    }
  }

  /** A database that stopped answering is not asked again (503 at once), nor by an abandoned request. */
  private assertMayRun(): void {
    this.breaker.assertAvailable();
    if (databaseWorkAbandoned()) throw new DatabaseUnavailableError();
  }

  /** Every transaction is opened by TransactionHost, hence pipelined; any other is a bug. */
  private transactionOf(manager: EntityManager): PipelinedTransaction {
    const transaction = pipelinedTransactionOf(manager);
    if (!transaction) throw new Error('a transaction not opened through TransactionHost');
    return transaction;
  }
}

/**
 * The one way repositories reach PostgreSQL (docs/architecture.md, "Queries"): SQL text with `$n`
 * binds, rows named by the statement itself. Statements join the request's transaction when the
 * hub opened one; `autocommit` is for the few writes that must not (idempotency claims).
 */
@Injectable()
export class Sql extends SqlExecutor {
  readonly autocommit: SqlExecutor;

  constructor(
    txHost: TransactionHost<PipelinedTypeOrmAdapter>,
    private readonly dataSource: DataSource,
    breaker: DatabaseBreaker,
  ) {
    super(() => txHost.tx, breaker);
    this.autocommit = new SqlExecutor(() => dataSource.manager, breaker);
  }

  /** Entity `entity`'s table as hand-written SQL names it (its columns, their types). */
  columnsOf<E>(entity: EntityTarget<E>): EntityColumns<E> {
    return EntityColumns.of(this.dataSource, entity);
  }
}
