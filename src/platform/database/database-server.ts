import { join } from 'node:path';
import { EmbeddedPostgres } from './embedded-postgres';

export interface DatabaseServer {
  readonly url: string;
  readonly embedded: EmbeddedPostgres | undefined;
  stop(): Promise<void>;
}

export interface DatabaseServerOptions {
  /** DATABASE_URL; unset → an embedded PostgreSQL in `dataDir`. */
  url: string | undefined;
  dataDir: string;
  database?: string;
  ephemeral?: boolean;
  /** Share an embedded server another live process already runs (see EmbeddedPostgres). */
  attach?: boolean;
  log?: (message: string) => void;
}

/** The database the service talks to: the configured server, or an embedded one it owns. */
export async function startDatabaseServer(options: DatabaseServerOptions): Promise<DatabaseServer> {
  if (options.url) {
    const url = options.url;
    return { url, embedded: undefined, stop: () => Promise.resolve() };
  }
  const embedded = new EmbeddedPostgres({
    dir: join(options.dataDir, 'postgres'),
    database: options.database ?? 'casefile_hub',
    ephemeral: options.ephemeral,
    attach: options.attach,
    log: options.log,
  });
  await embedded.start();
  return { url: embedded.url, embedded, stop: () => embedded.stop() };
}
