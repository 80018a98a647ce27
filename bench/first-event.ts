import { createParser } from 'eventsource-parser';

/** Streamed turns measured from the client's side: how soon the first event came, and the end. */
export interface FirstEventFigures {
  turns: number;
  concurrency: number;
  first_event_p50_ms: number;
  first_event_p99_ms: number;
  complete_p50_ms: number;
  complete_p99_ms: number;
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/**
 * `concurrency` clients, each in a session of its own, take streamed turns back to back for
 * `seconds`; for each turn, the time from sending the request to its first SSE event (not the
 * `retry:` preamble) and to the end of the stream. autocannon times whole responses only.
 */
export async function measureFirstEvent(options: {
  url: string;
  /** Each client's session path, and its owner's headers (a session is its creator's). */
  paths: { path: string; headers: Record<string, string> }[];
  body: string;
  seconds: number;
}): Promise<FirstEventFigures> {
  const firsts: number[] = [];
  const totals: number[] = [];
  const deadline = Date.now() + options.seconds * 1000;
  const client = async ({ path, headers }: { path: string; headers: Record<string, string> }) => {
    while (Date.now() < deadline) {
      const started = performance.now();
      let first: number | undefined;
      const parser = createParser({
        onEvent: () => (first ??= performance.now() - started),
      });
      const res = await fetch(`${options.url}${path}`, {
        method: 'POST',
        headers: { ...headers, accept: 'text/event-stream' },
        body: options.body,
      });
      if (!res.ok || !res.body) throw new Error(`streamed turn → ${res.status}`);
      if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
        throw new Error('the answer is not an event stream');
      }
      const decoder = new TextDecoder();
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
      if (first === undefined) throw new Error('a streamed turn sent no event');
      firsts.push(first);
      totals.push(performance.now() - started);
    }
  };
  await Promise.all(options.paths.map(client));
  const round = (ms: number) => Math.round(ms * 10) / 10;
  firsts.sort((a, b) => a - b);
  totals.sort((a, b) => a - b);
  return {
    turns: firsts.length,
    concurrency: options.paths.length,
    first_event_p50_ms: round(percentile(firsts, 50)),
    first_event_p99_ms: round(percentile(firsts, 99)),
    complete_p50_ms: round(percentile(totals, 50)),
    complete_p99_ms: round(percentile(totals, 99)),
  };
}
