import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { Connection, Session } from 'better-sse';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request as ExpressRequest } from 'express';
import { ClsServiceManager } from 'nestjs-cls';
import { OPERATION_METADATA, type OperationMetadata } from '../hub/operation.decorator';
import { currentRequest, type HubClsStore } from '../hub/work-context';

/** One Server-Sent Event: `event:` name, JSON `data`, and an `id:` for resumption. */
export interface SseEvent {
  event: string;
  data: unknown;
  id?: string;
  /**
   * The request is over with this event (more may follow, but nothing it must wait for): the
   * hub runs its post hooks — or its error hooks, given a `failure` — before sending it, so a
   * client acting on it finds the request's effects complete (e.g. its session free again).
   */
  closes?: { failure?: unknown };
}

export type ResponseMode = 'json' | 'sse';

/**
 * How this request is answered: as SSE when the operation can stream (`@Operation({streams:
 * true})`) and the client asked for `text/event-stream`; as JSON otherwise. Decided per request.
 */
export function responseModeOf(
  operation: Pick<OperationMetadata, 'streams'> | undefined,
  req: ExpressRequest,
): ResponseMode {
  if (operation?.streams === 'only') return 'sse';
  const accept = req.headers.accept ?? '';
  return operation?.streams === true && /\btext\/event-stream\b/i.test(accept) ? 'sse' : 'json';
}

/**
 * The handler's `@ResponseModeParam()`: return SSE events (an async iterable) or a value. It is
 * the hub's decision for this request, read from its context, so the two can never disagree.
 */
export const ResponseModeParam = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ResponseMode => {
    const cls = ClsServiceManager.getClsService<HubClsStore>();
    const decided = currentRequest(cls)?.responseMode;
    return (
      decided ??
      responseModeOf(
        Reflect.getMetadata(OPERATION_METADATA, context.getHandler()) as
          OperationMetadata | undefined,
        context.switchToHttp().getRequest<ExpressRequest>(),
      )
    );
  },
);

/**
 * better-sse's connection to a Nest response: what the session writes goes into a stream that the
 * hub returns (Nest pipes it and destroys it when the client leaves, which is the session's
 * disconnect). The status and headers are the hub's; Last-Event-ID is read by the routes that
 * resume, so the session is not told it.
 */
class HubConnection extends Connection {
  readonly body = new PassThrough();
  private readonly closed = new AbortController();
  readonly url = new URL('http://localhost/');
  readonly request = new Request(this.url, { signal: this.closed.signal });
  readonly response = new Response(null, { headers: Connection.constants.RESPONSE_HEADERS });

  constructor() {
    super();
    this.body.once('close', () => this.closed.abort());
  }

  sendHead = (): void => undefined;
  sendChunk = (chunk: string): void => {
    if (!this.body.destroyed) this.body.write(chunk);
  };
  cleanup = (): void => undefined;
}

/** The response headers of an event stream (better-sse's: no caching, no proxy buffering). */
export const SSE_HEADERS: Readonly<Record<string, string>> = Connection.constants.RESPONSE_HEADERS;

/** Thrown by a stream's events after it told its client of a failure itself (its own error event). */
export class StreamReportedFailure extends Error {
  constructor(readonly failure: unknown) {
    super('the stream reported its failure');
  }
}

const GONE: unique symbol = Symbol('gone');

/**
 * Writes `events` as Server-Sent Events through better-sse (serialisation, heartbeat comments
 * every `heartbeatMs`, disconnect), stopping the producer when the client goes away. `onError`
 * turns a failure mid-stream into the `error` event's data (the JSON error filter can no longer
 * answer once the stream has started); `onEnd` runs once: before an event that `closes` the
 * request, or after the last event.
 */
export function toSseStream(
  events: AsyncIterable<SseEvent>,
  options: {
    heartbeatMs: number;
    onError: (error: unknown) => Promise<unknown>;
    onEnd: (failed: boolean, error?: unknown) => Promise<void>;
  },
): PassThrough {
  const connection = new HubConnection();
  // its first write (`retry:`, for EventSource clients' reconnection) sends the response head at once
  const session = new Session(connection, { keepAlive: options.heartbeatMs });
  const gone = once(session, 'disconnected').then((): typeof GONE => GONE);
  const send = ({ event, data, id }: SseEvent) =>
    session.batch((buffer) => {
      buffer.event(event);
      if (id !== undefined) buffer.id(id);
      buffer.data(data ?? null).dispatch();
    });
  const pump = async () => {
    let ended = false;
    const end = async (failure?: { error: unknown }) => {
      if (ended) return;
      ended = true;
      await options.onEnd(failure !== undefined, failure?.error);
    };
    let failure: { error: unknown } | undefined;
    const iterator = events[Symbol.asyncIterator]();
    try {
      await once(session, 'connected');
      for (;;) {
        const step = await Promise.race([iterator.next(), gone]);
        if (step === GONE) {
          await iterator.return?.(); // the client left: the producer ends (or finishes its work)
          break;
        }
        if (step.done) break;
        const { closes } = step.value;
        if (closes) await end(closes.failure === undefined ? undefined : { error: closes.failure });
        if (session.isConnected) await send(step.value);
      }
    } catch (error) {
      const reported = error instanceof StreamReportedFailure;
      failure = { error: reported ? error.failure : error };
      if (!reported && session.isConnected) {
        await send({ event: 'error', data: await options.onError(error) });
      }
    } finally {
      try {
        await end(failure);
      } finally {
        connection.body.end();
      }
    }
  };
  // onEnd handles its own failures; anything left still must not become an unhandled rejection
  pump().catch(() => connection.body.destroy());
  return connection.body;
}
