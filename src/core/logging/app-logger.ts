import { Injectable, type LoggerService } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import pino, { type DestinationStream, type Level, type Logger as Pino } from 'pino';
import { AppConfig } from '../../config/app-config';
import type { HubClsStore } from '../hub/work-context';
import { capLine, serializeError } from './log-safety';

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * The request (or job) id of whatever is running, and a job's name: the hub's context, else the
 * id the CLS middleware took from the request. Read per log line by pino's mixin, so no
 * per-request child logger is ever made.
 */
function currentRequestId(): { request_id?: string; job?: string } {
  const cls = ClsServiceManager.getClsService<HubClsStore>();
  if (!cls.isActive()) return {};
  const work = cls.get('work');
  if (work?.kind === 'job') return { request_id: work.id, job: work.operation };
  const id = cls.getId();
  return id ? { request_id: id } : {};
}

export function createPino(config: AppConfig, destination?: DestinationStream): Pino {
  const pretty = !destination && config.nodeEnv === 'development' && prettyAvailable();
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    mixin: currentRequestId,
    // errors by shape, never with what they carried (bind parameters, rows); every line capped
    serializers: { err: serializeError },
    hooks: { streamWrite: capLine },
    // No `redact`: no line carries headers (the access line names method, url, route and status
    // only), so credentials never reach a log — and pino's redaction walked every line's paths.
    ...(pretty && {
      transport: {
        target: 'pino-pretty',
        options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
      },
    }),
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Nest's LoggerService over one pino logger: `new Logger('Ctx').warn({err}, 'message')` and
 * `.log('message')` both become one JSON line with `context` and the current request id.
 */
@Injectable()
export class AppLogger implements LoggerService {
  constructor(readonly pino: Pino) {}

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the logger's context last; Nest's own exception handler passes a stack first. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const rest = [...params];
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') {
      fields.context = rest.pop();
    }
    if (message instanceof Error) {
      fields.err = message;
      this.pino[level](fields, ...(rest as [string?]));
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...message }, ...(rest as [string?]));
    } else if (level === 'error' && typeof rest[0] === 'string' && /\n\s*at /.test(rest[0])) {
      const err = new Error(String(message));
      err.stack = rest[0];
      this.pino[level]({ ...fields, err });
    } else {
      this.pino[level](fields, String(message), ...rest);
    }
  }
}
