import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event data as tests read it
type Json = Record<string, any>;

/** One Server-Sent Event as a client sees it, its data parsed as JSON. */
export interface ReceivedEvent {
  id: string | undefined;
  event: string;
  data: Json;
}

const toReceived = (message: EventSourceMessage): ReceivedEvent => ({
  id: message.id,
  event: message.event ?? 'message',
  data: JSON.parse(message.data) as Json,
});

/** The events (and the number of comment lines, i.e. heartbeats) in a whole stream's text. */
export function parseSse(text: string): { events: ReceivedEvent[]; comments: number } {
  const events: ReceivedEvent[] = [];
  let comments = 0;
  const parser = createParser({
    onEvent: (message) => events.push(toReceived(message)),
    onComment: () => comments++,
  });
  parser.feed(text);
  return { events, comments };
}

/** A streaming SSE request that a test reads event by event and may drop mid-stream. */
export interface SseClient {
  status: number;
  headers: Headers;
  /** The JSON body when the server answered with an error instead of a stream. */
  body?: Json;
  /** The next event, or undefined once the stream ended. */
  next(): Promise<ReceivedEvent | undefined>;
  /** Events until (and including) the first named `until`, or the end of the stream. */
  until(name: string): Promise<ReceivedEvent[]>;
  /** Drops the connection, as a client going away does. */
  close(): void;
  comments: number;
}

/**
 * Opens `path` on `server` with `Accept: text/event-stream` through fetch and parses what
 * arrives with eventsource-parser, as a browser's EventSource would.
 */
export async function openSse(
  server: Server,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<SseClient> {
  const { port } = server.address() as AddressInfo;
  const abort = new AbortController();
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'text/event-stream',
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: abort.signal,
  });
  const queue: ReceivedEvent[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const client: SseClient = {
    status: res.status,
    headers: res.headers,
    comments: 0,
    async next() {
      while (queue.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
      return queue.shift();
    },
    async until(name) {
      const seen: ReceivedEvent[] = [];
      for (let event = await client.next(); event; event = await client.next()) {
        seen.push(event);
        if (event.event === name) break;
      }
      return seen;
    },
    close: () => abort.abort(),
  };
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    client.body = (await res.json()) as Json;
    ended = true;
    return client;
  }
  const parser = createParser({
    onEvent: (message) => {
      queue.push(toReceived(message));
      wake?.();
    },
    onComment: () => client.comments++,
  });
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
    } catch {
      // dropped by close(): the stream just ends here
    } finally {
      ended = true;
      wake?.();
    }
  })();
  return client;
}
