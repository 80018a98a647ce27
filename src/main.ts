import { existsSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as NestLogger } from '@nestjs/common';
import pino from 'pino';
import { AppModule } from './app.module';
import { configureApp, NEST_APP_OPTIONS } from './app.setup';
import { type AppConfig, loadAppConfig } from './config/app-config';
import { ConfigValidationError } from './config/validate-environment';
import { HttpDrain, ShutdownState } from './core/lifecycle/shutdown';
import { AppLogger } from './core/logging/app-logger';
import { type DatabaseServer, startDatabaseServer } from './platform/database/database-server';

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
): (signal: NodeJS.Signals) => void {
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
  return shutdown;
}

/**
 * A signal before the service listens is remembered, not left to its default action (which
 * would end the process at once and leave an embedded PostgreSQL running): start-up stops what
 * it has started at its next step, quietly. A second signal exits at once.
 */
function holdEarlySignals() {
  let received: NodeJS.Signals | undefined;
  let stopEmbedded: (() => void) | undefined;
  const hold = (signal: NodeJS.Signals) => {
    if (received) {
      stopEmbedded?.();
      process.exit(1);
    }
    received = signal;
  };
  process.on('SIGTERM', hold);
  process.on('SIGINT', hold);
  return {
    get received() {
      return received;
    },
    onDatabase(database: DatabaseServer) {
      stopEmbedded = () => database.embedded?.stopSync();
    },
    release() {
      process.off('SIGTERM', hold);
      process.off('SIGINT', hold);
    },
  };
}

/** Stopped by a signal during start-up: not a failure. */
class StartInterrupted extends Error {}

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const started = performance.now();
  const early = holdEarlySignals();
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
  early.onDatabase(database);
  let app: NestExpressApplication | undefined;
  let drain: HttpDrain | undefined;
  const interrupted = () => {
    if (early.received) throw new StartInterrupted(early.received);
  };
  try {
    interrupted();
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({ config, databaseUrl: database.url }),
      NEST_APP_OPTIONS,
    );
    interrupted();
    configureApp(app);
    drain = new HttpDrain(app.getHttpServer());
    await app.listen(config.port);
  } catch (error) {
    // logs are buffered until the app's logger is set: what start-up and the stop say is shown
    if (app) {
      app.useLogger(app.get(AppLogger));
      app.flushLogs();
    }
    await app?.close().catch(() => undefined);
    await database.stop();
    if (error instanceof StartInterrupted) {
      // as after a drain: what still holds the event loop open gets a moment, not forever
      setTimeout(() => process.exit(0), 1000).unref();
      return;
    }
    throw error;
  }
  early.release();
  const shutdown = handleSignals(app, drain, database, config);
  // a signal while the listener came up: drained like any other
  if (early.received) return shutdown(early.received);
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
