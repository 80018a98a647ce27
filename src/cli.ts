import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { AppModule } from './app.module';
import { loadAppConfig } from './config/app-config';
import { DomainError } from './platform/errors/domain-error';
import { startDatabaseServer } from './platform/database/database-server';
import { UsersService } from './modules/auth';

const USAGE = `usage: npm run cli -- create-admin --email <email> --password <password>

  create-admin   make <email> a super_admin: a new account with that password, or the existing
                 account of that email promoted (its password unchanged)

Uses DATABASE_URL, or the embedded PostgreSQL in DATA_DIR (also while the service runs).`;

async function createAdmin(email: string, password: string): Promise<string> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadAppConfig({ ...process.env, LOG_LEVEL: 'warn' });
  const server = await startDatabaseServer({
    url: config.database.url,
    dataDir: config.dataDir,
    attach: true,
  });
  try {
    const app = await NestFactory.createApplicationContext(
      AppModule.forRoot({ config, databaseUrl: server.url }),
      { logger: ['error', 'warn'], abortOnError: false },
    );
    try {
      const users = app.get(UsersService);
      const outcome = await app
        .get(TransactionHost)
        .withTransaction(() => users.ensureSuperAdmin(email, password, { evenIfOneExists: true }));
      return outcome === 'exists'
        ? `${email} is already a super_admin`
        : `${email}: super_admin ${outcome}`;
    } finally {
      await app.close();
    }
  } finally {
    await server.stop();
  }
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { email: { type: 'string' }, password: { type: 'string' } },
  });
  if (positionals[0] !== 'create-admin' || !values.email || !values.password) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    process.stdout.write(`${await createAdmin(values.email, values.password)}\n`);
    return 0;
  } catch (error) {
    const details =
      error instanceof DomainError ? (error.details?.reasons as string[] | undefined) : undefined;
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `create-admin failed: ${reason}${details ? `: ${details.join('; ')}` : ''}\n`,
    );
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
