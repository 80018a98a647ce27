import { type DynamicModule, Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import { AppConfig } from '../../config/app-config';
import { requestIdOf } from '../http/request-id';

/** Headers that carry credentials never reach a log line. */
const REDACTED = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

function pinoHttpOptions(config: AppConfig, pretty: boolean): Options {
  return {
    level: config.logLevel,
    // The request id was fixed by the first middleware; every line of the request carries it.
    genReqId: (req: IncomingMessage) => requestIdOf(req),
    customAttributeKeys: { reqId: 'request_id' },
    quietReqLogger: true,
    serializers: {
      req: (req: { method: string; url: string; remoteAddress?: string }) => ({
        method: req.method,
        url: req.url,
        remote_address: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    redact: { paths: REDACTED, censor: '[redacted]' },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health/live' },
    ...(pretty && {
      transport: {
        target: 'pino-pretty',
        options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
      },
    }),
  };
}

/**
 * JSON logs through pino (pretty in development when pino-pretty is installed). Tests pass a
 * destination stream to read what was logged.
 */
@Module({})
export class LoggingModule {
  static forRoot(destination?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => {
            const pretty = !destination && config.nodeEnv === 'development' && prettyAvailable();
            const options = pinoHttpOptions(config, pretty);
            return {
              pinoHttp: destination ? [options, destination] : options,
              forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
            };
          },
        }),
      ],
    };
  }
}
