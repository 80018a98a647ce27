import type { NestApplicationOptions } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import compression from 'compression';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { ClsService } from 'nestjs-cls';
import { version } from '../package.json';
import { AppConfig } from './config/app-config';
import { ErrorEnvelopeDto } from './core/http/api-envelope.dto';
import { completeOperations } from './core/http/openapi-errors';
import { installLeanAsyncResourceBind } from './platform/overrides/lean-async-bind';
import { clsContextMiddleware } from './platform/overrides/nestjs-cls';
import { requestIdMiddleware, requestIdOf } from './core/http/request-id';
import { HttpMetrics } from './core/metrics/http-metrics';
import { AppLogger } from './core/logging/app-logger';

/** Options for NestFactory.create / createNestApplication: body parsing is ours (CoreModule). */
export const NEST_APP_OPTIONS: NestApplicationOptions = {
  bodyParser: false,
  bufferLogs: true,
  // Let start-up errors reach main.ts, which stops the embedded database before exiting.
  abortOnError: false,
};

export const API_PREFIX = 'v1';
const UNPREFIXED_ROUTES = ['health', 'health/live', 'metrics'];
const EXPOSED_HEADERS = [
  'X-Request-ID',
  'Retry-After',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'ETag',
  'Idempotent-Replayed',
  'X-Session-Id',
];

/**
 * Everything about the HTTP platform, shared by main.ts and the tests so both run the same stack.
 * Middleware order matters: request id first (every answer carries it), then CLS (guards,
 * interceptors and the filter share one context), metrics, security headers, CORS, compression.
 */
export function configureApp(app: NestExpressApplication): void {
  // Nest binds two functions per request with AsyncResource.bind: keep them out of the old generation
  installLeanAsyncResourceBind();
  const config = app.get(AppConfig);
  app.useLogger(app.get(AppLogger));
  // Envelopes carry a timestamp, so a body hash is never a useful validator; routes that support
  // conditional requests (casefiles) set their own ETag.
  app.set('etag', false);
  app.use(requestIdMiddleware);
  app.use(clsContextMiddleware(app.get(ClsService), requestIdOf));
  app.use(app.get(HttpMetrics).middleware);
  app.use(
    helmet({
      // Served over plain HTTP on non-localhost hosts too: don't force browsers onto https.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  );
  app.enableCors({
    origin: config.corsOrigins === '*' ? true : config.corsOrigins,
    exposedHeaders: EXPOSED_HEADERS,
  });
  app.use(compressionForAcceptingClients());
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES });
  setupOpenApi(app);
}

/** gzip, deflate or br by name, or `*` (any): compression then picks one, or none if q=0. */
const COMPRESSING_ENCODINGS = /\b(?:gzip|deflate|br)\b|\*/i;

/**
 * gzip, deflate or br for the clients that accept one (by name or `*`). `compression` replaces
 * each response's `write`, `end` and `on` with closures of its own before it knows whether it
 * will compress, and those replacements keep the whole request alive through V8's
 * young-generation collections (every request promoted: docs/benchmarks.md); a client that
 * accepts no encoding never gets a compressed answer, so its responses are left alone.
 */
function compressionForAcceptingClients() {
  const compress = compression({
    // SSE must reach the client event by event, never buffered by gzip.
    filter: (req: Request, res: Response) =>
      !String(res.getHeader('Content-Type') ?? '').includes('text/event-stream') &&
      compression.filter(req, res),
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    const accepted = req.headers['accept-encoding'];
    if (accepted !== undefined && COMPRESSING_ENCODINGS.test(accepted))
      void compress(req, res, next);
    else next();
  };
}

export function buildOpenApiDocument(app: NestExpressApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Casefile Hub API')
    .setDescription(
      'Casefiles, tool sessions, chat and Google workspace data. Every JSON response is an ' +
        'envelope `{data, meta, errors}`; errors carry a stable `code` (see docs/ERROR_CODES.md).',
    )
    .setVersion(version)
    .setLicense('Proprietary', '')
    .addServer('/', 'This server')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api_key')
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('api_key')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorEnvelopeDto],
    operationIdFactory: (_controller, method) => method,
  });
  completeOperations(document);
  return document;
}

function setupOpenApi(app: NestExpressApplication): void {
  SwaggerModule.setup(`${API_PREFIX}/docs`, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: `${API_PREFIX}/openapi.json`,
    yamlDocumentUrl: `${API_PREFIX}/openapi.yaml`,
    customSiteTitle: 'Casefile Hub API',
    swaggerOptions: { persistAuthorization: true, displayOperationId: true },
  });
}
