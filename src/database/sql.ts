import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { DataSource, type EntityManager, QueryFailedError, type QueryResult } from 'typeorm';

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

/** Runs parameterised SQL on whatever manager `manager()` answers at the time of the call. */
export class SqlExecutor {
  constructor(private readonly manager: () => EntityManager) {}

  /** The rows of a SELECT, or of any statement with RETURNING. */
  async rows<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.run(text, params)).records as T[];
  }

  /** The first row, or undefined. */
  async one<T>(text: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.rows<T>(text, params))[0];
  }

  /** How many rows an INSERT, UPDATE or DELETE touched. */
  async count(text: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.run(text, params)).affected ?? 0;
  }

  private async run(text: string, params: readonly unknown[]): Promise<QueryResult> {
    const manager = this.manager();
    // In a transaction the manager holds its connection; otherwise borrow one from the pool.
    const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
    try {
      return await runner.query(text, [...params], true);
    } finally {
      if (!manager.queryRunner) await runner.release();
    }
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

  constructor(txHost: TransactionHost<TransactionalAdapterTypeOrm>, dataSource: DataSource) {
    super(() => txHost.tx);
    this.autocommit = new SqlExecutor(() => dataSource.manager);
  }
}
