import { Client } from 'pg';
import { type DataSource } from 'typeorm';
import { poolOf } from '../../../platform/database/data-source-options';
import { type Sql } from '../../../platform/database/sql';
import { TURN_SIGNAL_CHANNEL, TurnSignals } from './turn-signals';

/**
 * Turn signals over PostgreSQL LISTEN/NOTIFY: NOTIFY through the pool, LISTEN on one connection
 * of its own (opened when a follower first needs it, opened again after it drops). node-postgres
 * does both; what is left to write is keeping that one connection.
 */
export class PgTurnSignals extends TurnSignals {
  override readonly databaseChannel = TURN_SIGNAL_CHANNEL;
  private client: Client | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly dataSource: DataSource,
  ) {
    super();
  }

  protected async send(turnId: string): Promise<void> {
    await this.sql.autocommit.rows('SELECT pg_notify($1, $2)', [TURN_SIGNAL_CHANNEL, turnId]);
  }

  protected async listen(): Promise<void> {
    const pool = poolOf(this.dataSource);
    if (!pool) throw new Error('no database pool');
    const client = new Client(pool.options);
    client.on('notification', ({ payload }) => {
      if (payload) this.deliver(payload);
    });
    client.on('error', (error) => {
      if (this.client === client) this.client = undefined;
      this.lost(error);
      client.end().catch(() => undefined);
    });
    await client.connect();
    await client.query(`LISTEN ${TURN_SIGNAL_CHANNEL}`);
    this.client = client;
  }

  protected async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
