import { type DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { AppConfig } from '../../config/app-config';
import { AppLogger, createPino } from './app-logger';

/**
 * JSON logs through one pino logger (pretty in development when pino-pretty is installed). The
 * request id comes from the CLS context (pino mixin); the access line is written by HttpMetrics'
 * `finish` listener. Tests pass a destination stream to read what was logged.
 */
@Module({})
export class LoggingModule {
  static forRoot(destination?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      global: true,
      providers: [
        {
          provide: AppLogger,
          inject: [AppConfig],
          useFactory: (config: AppConfig) => new AppLogger(createPino(config, destination)),
        },
      ],
      exports: [AppLogger],
    };
  }
}
