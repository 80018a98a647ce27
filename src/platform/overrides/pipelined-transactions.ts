import type { TransactionalAdapter } from '@nestjs-cls/transactional';
import type { Writable } from 'node:stream';
import type { PoolClient, QueryConfig, QueryResult } from 'pg';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';

/**
 * A statement on the transaction's connection, in node-postgres's callback form: its promise form
 * sets the query's callback after building it, and with that every request's statements survived
 * V8's young-generation collections (a create at 200 req/s: 11 ms and 2.0 MB promoted per
 * scavenge, 3.5 ms and 0.5 MB this way; docs/benchmarks.md).
 */
function send(client: PoolClient, config: QueryConfig | string): Promise<QueryResult> {
  return new Promise((resolve, reject) => {
    client.query(config, (error: Error | null, result: QueryResult) =>
      error ? reject(error) : resolve(result),
    );
  });
}

/**
 * Statements submitted inside `submit` leave in one socket write: node-postgres writes each
 * query on its own (a cork/uncork per query), and on loopback each write is a system call that
 * also wakes the server — five of them cost a tool request more CPU than its tool. Corking the
 * connection's socket around the submits (they are synchronous in pipeline mode) sends them as
 * one `writev`.
 */
function corked<T>(client: PoolClient, submit: () => T): T {
  const stream = (client as unknown as { connection?: { stream?: Writable } }).connection?.stream;
  stream?.cork();
  try {
    return submit();
  } finally {
    stream?.uncork();
  }
}

/**
 * Whether a connection has a statement out that is not answered yet: node-postgres's private
 * queue state, read here so that the one place that knows pg's internals is this file (the
 * round-trips e2e counts pipelined statements with it).
 */
export function hasUnansweredStatement(client: object): boolean {
  const state = client as {
    _activeQuery?: unknown;
    _sentQueryQueue?: unknown[];
    _queryQueue?: unknown[];
  };
  return Boolean(state._activeQuery || state._sentQueryQueue?.length || state._queryQueue?.length);
}

/**
 * A transaction that costs no round trip of its own. Nothing is sent when it opens; its first
 * statement goes out together with `BEGIN`, and writes nobody reads the result of (audit events,
 * `Sql.deferToCommit`) go out together with `COMMIT` — one network write each way, since the
 * pool's connections run in node-postgres's pipeline mode. A create is then two round trips
 * (`BEGIN`+insert, audit insert+`COMMIT`) instead of four; a transaction that ran nothing sends
 * nothing at all.
 */
export class PipelinedTransaction {
  private client: PoolClient | undefined;
  private connecting: Promise<PoolClient> | undefined;
  private readonly deferred: QueryConfig[] = [];

  constructor(private readonly runner: QueryRunner) {}

  async query(config: QueryConfig): Promise<QueryResult> {
    if (this.client) return send(this.client, config);
    const client = await this.connect();
    const [, result] = await corked(client, () =>
      Promise.all([send(client, 'BEGIN'), send(client, config)]),
    );
    return result;
  }

  /** Sent with COMMIT; if it fails, the COMMIT is a rollback and the transaction fails. */
  defer(config: QueryConfig): void {
    this.deferred.push(config);
  }

  async commit(): Promise<void> {
    if (!this.client && this.deferred.length === 0) return;
    const begun = this.client !== undefined;
    const client = this.client ?? (await this.connect());
    const outcomes = await Promise.allSettled(
      corked(client, () => [
        ...(begun ? [] : [send(client, 'BEGIN')]),
        ...this.deferred.map((config) => send(client, config)),
        // after a failed statement PostgreSQL answers this COMMIT by rolling back
        send(client, 'COMMIT'),
      ]),
    );
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  }

  async rollback(): Promise<void> {
    // a connection still being opened (its caller gave up: the database stopped answering) is
    // waited for, so the query runner holds it when released — else it would never go back
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    if (!client) return;
    await send(client, 'ROLLBACK').catch(() => undefined);
  }

  private async connect(): Promise<PoolClient> {
    this.connecting = this.runner.connect() as Promise<PoolClient>;
    this.client = await this.connecting;
    return this.client;
  }
}

/**
 * Kept in the query runner's own user-data slot, not in a WeakMap keyed by the manager: V8's
 * young-generation collector treats a WeakMap's values as alive, and this value reaches its key
 * (a pattern that keeps every entry through scavenges: docs/benchmarks.md).
 */
const TRANSACTION = Symbol('pipelinedTransaction');
type TransactionData = { [TRANSACTION]?: PipelinedTransaction };

/** The pipelined transaction a manager belongs to, if it is one of ours. */
export function pipelinedTransactionOf(manager: EntityManager): PipelinedTransaction | undefined {
  return (manager.queryRunner?.data as TransactionData | undefined)?.[TRANSACTION];
}

/**
 * @nestjs-cls/transactional's adapter for these transactions: `txHost.tx` is still a TypeORM
 * EntityManager (with its query runner holding the connection), but BEGIN and COMMIT are sent by
 * PipelinedTransaction, through `Sql`, which is how every repository reaches the database.
 */
export class PipelinedTypeOrmAdapter implements TransactionalAdapter<
  DataSource,
  EntityManager,
  never
> {
  readonly connectionToken = DataSource;

  readonly optionsFactory = (dataSource: DataSource) => ({
    wrapWithTransaction: async (
      _options: object | undefined,
      fn: (...args: unknown[]) => Promise<unknown>,
      setClient: (client?: EntityManager) => void,
    ) => {
      const runner = dataSource.createQueryRunner();
      const transaction = new PipelinedTransaction(runner);
      (runner.data as TransactionData)[TRANSACTION] = transaction;
      setClient(runner.manager);
      try {
        const result = await fn();
        await transaction.commit();
        return result;
      } catch (error) {
        await transaction.rollback();
        throw error;
      } finally {
        await runner.release();
      }
    },
    wrapWithNestedTransaction: () => {
      throw new Error('nested transactions (savepoints) are not used here');
    },
    getFallbackInstance: () => dataSource.manager,
  });
}
