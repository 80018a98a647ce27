import { existsSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as NestLogger } from '@nestjs/common';
import pino from 'pino';
import { AppModule } from './app.module';
import { configureApp, NEST_APP_OPTIONS } from './app.setup';
import { type AppConfig, loadAppConfig } from './config/app-config';
import { ConfigValidationError } from './config/environment';
import { HttpDrain, ShutdownState } from './core/lifecycle/shutdown';
import { AppLogger } from './core/logging/app-logger';
import { type DatabaseServer, startDatabaseServer } from './database/database-server';

function loadConfigOrExit(): AppConfig {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadAppConfig(process.env);
  } catch (error) {
    // One line naming the variable, before anything starts or listens.
    const line = error instanceof ConfigValidationError ? error.message : String(error);
    process.stderr.write(`${line}\n`);
    process.exit(1);
  }
}

/**
 * Drain and stop: the listener closes and readiness answers 503 SYS_SHUTTING_DOWN; every request
 * already received finishes, answered with `Connection: close` (HttpDrain), idle connections are
 * closed; then the pool closes and the embedded PostgreSQL (if we started it) stops. A second
 * signal, or a drain longer than SHUTDOWN_TIMEOUT_MS, exits at once.
 */
function handleSignals(
  app: NestExpressApplication,
  drain: HttpDrain,
  database: DatabaseServer,
  config: AppConfig,
) {
  const logger = app.get(AppLogger);
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn(`${signal} again: exiting without waiting`);
      database.embedded?.stopSync();
      process.exit(1);
    }
    stopping = true;
    logger.log(`${signal} received: draining requests`);
    app.get(ShutdownState).begin();
    setTimeout(() => {
      logger.error(`shutdown did not finish in ${config.shutdownTimeoutMs} ms: exiting`);
      database.embedded?.stopSync();
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    drain
      .drain(config.shutdownTimeoutMs)
      .then(() => app.close())
      .then(() => database.stop())
      .then(
        () => {
          logger.log('stopped');
          // Anything still holding the event loop open gets a moment, not forever.
          setTimeout(() => process.exit(0), 1000).unref();
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          database.embedded?.stopSync();
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const started = performance.now();
  // Before the app (and its logger) exists: JSON lines like the rest in production.
  const bootLogger = config.isProduction ? pino({ level: config.logLevel }) : undefined;
  const database = await startDatabaseServer({
    url: config.database.url,
    dataDir: config.dataDir,
    log: (message) =>
      bootLogger
        ? bootLogger.info({ context: 'Database' }, message)
        : new NestLogger('Database').log(message),
  });
  let app: NestExpressApplication | undefined;
  let drain: HttpDrain | undefined;
  try {
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({ config, databaseUrl: database.url }),
      NEST_APP_OPTIONS,
    );
    configureApp(app);
    drain = new HttpDrain(app.getHttpServer());
    await app.listen(config.port);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.stop();
    throw error;
  }
  handleSignals(app, drain, database, config);
  const ms = Math.round(performance.now() - started);
  app
    .get(AppLogger)
    .log(
      `Casefile Hub listening on http://localhost:${config.port} (ready in ${ms} ms; docs at /v1/docs)`,
    );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `start-up failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
