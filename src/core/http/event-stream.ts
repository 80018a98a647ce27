import { PassThrough } from 'node:stream';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ClsServiceManager } from 'nestjs-cls';
import { OPERATION_METADATA, type OperationMetadata } from '../hub/operation.decorator';
import type { HubClsStore } from '../hub/request-context';

/** One Server-Sent Event: `event:` name, JSON `data`, and an `id:` for resumption. */
export interface SseEvent {
  event: string;
  data: unknown;
  id?: string;
}

export type ResponseMode = 'json' | 'sse';

/** A comment line keeps proxies and clients from timing out an idle stream. */
const SSE_HEARTBEAT_MS = 15_000;

/**
 * How this request is answered: as SSE when the operation can stream (`@Operation({streams:
 * true})`) and the client asked for `text/event-stream`; as JSON otherwise. Decided per request.
 */
export function responseModeOf(
  operation: Pick<OperationMetadata, 'streams'> | undefined,
  req: Request,
): ResponseMode {
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
    const decided = cls.isActive() ? cls.get('requestContext')?.responseMode : undefined;
    return (
      decided ??
      responseModeOf(
        Reflect.getMetadata(OPERATION_METADATA, context.getHandler()) as
          OperationMetadata | undefined,
        context.switchToHttp().getRequest<Request>(),
      )
    );
  },
);

function formatSseEvent(event: SseEvent): string {
  const id = event.id === undefined ? '' : `id: ${event.id}\n`;
  return `${id}event: ${event.event}\ndata: ${JSON.stringify(event.data ?? null)}\n\n`;
}

/**
 * Writes `events` to a stream as SSE, with heartbeats, stopping when the client goes away.
 * `onError` turns a failure mid-stream into the error event's data (the JSON error filter can no
 * longer answer once the stream has started); `onEnd` runs after the last event either way.
 */
export function toSseStream(
  events: AsyncIterable<SseEvent>,
  handlers: {
    onError: (error: unknown) => Promise<unknown>;
    onEnd: (failed: boolean) => Promise<void>;
  },
): PassThrough {
  const out = new PassThrough();
  const heartbeat = setInterval(() => out.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
  heartbeat.unref();
  const pump = async () => {
    let failed = false;
    try {
      for await (const event of events) {
        if (out.destroyed) break; // the client left: `break` also ends the producer
        out.write(formatSseEvent(event));
      }
    } catch (error) {
      failed = true;
      if (!out.destroyed)
        out.write(formatSseEvent({ event: 'error', data: await handlers.onError(error) }));
    } finally {
      clearInterval(heartbeat);
      try {
        await handlers.onEnd(failed);
      } finally {
        out.end();
      }
    }
  };
  // onEnd handles its own failures; anything left still must not become an unhandled rejection
  pump().catch(() => out.destroy());
  return out;
}
