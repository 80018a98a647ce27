import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalServer } from './local-server';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- request bodies as tests read them
type Json = Record<string, any>;

/** What the fake answers to one Chat Completions request, in the order they arrive. */
export type FakeAnswer =
  /** A message: text and/or tool calls; streamed as chunks when the request asks to stream. */
  | { kind: 'reply'; content?: string; toolCalls?: { name: string; arguments: string }[] }
  /** An error status with OpenAI's error body (`retryAfterMs` sets `retry-after-ms`). */
  | { kind: 'status'; status: number; message?: string; retryAfterMs?: number }
  /** Takes the request and never answers. */
  | { kind: 'hang' }
  /** Starts streaming `content`, then goes silent without ending the stream. */
  | { kind: 'stall'; content: string };

export interface ReceivedRequest {
  headers: IncomingMessage['headers'];
  body: Json;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Splits text into pieces of `size` characters (deltas arrive split across chunks). */
const pieces = (text: string, size: number): string[] =>
  text.length === 0 ? [] : (text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? []);

/**
 * A local server that speaks the OpenAI Chat Completions protocol (`POST /v1/chat/completions`),
 * plain JSON or streamed as `chat.completion.chunk` events ending in `data: [DONE]`, with the
 * arguments of parallel tool calls split across chunks and interleaved by index — so the real
 * `openai` client does its real parsing. Answers follow a script; unscripted requests get "ok".
 */
export class FakeOpenAi extends LocalServer {
  readonly requests: ReceivedRequest[] = [];
  private readonly script: FakeAnswer[] = [];
  private calls = 0;

  static start(): Promise<FakeOpenAi> {
    return new FakeOpenAi().listen();
  }

  /** The base URL to configure (`OPENAI_BASE_URL`). */
  get baseUrl(): string {
    return `${this.origin}/v1`;
  }

  /** The answers to the next requests, in order. */
  answer(...answers: FakeAnswer[]): void {
    this.script.push(...answers);
  }

  /** Forgets the requests seen and any answers not given. */
  reset(): void {
    this.requests.length = 0;
    this.script.length = 0;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += (chunk as Buffer).toString();
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(text) as Json;
    this.requests.push({ headers: req.headers, body });
    const answer = this.script.shift() ?? { kind: 'reply', content: 'ok' };
    const id = `chatcmpl-${++this.calls}`;
    switch (answer.kind) {
      case 'hang':
        return; // the socket stays open until the client gives up
      case 'status': {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (answer.retryAfterMs !== undefined)
          headers['retry-after-ms'] = String(answer.retryAfterMs);
        res.writeHead(answer.status, headers).end(
          JSON.stringify({
            error: { message: answer.message ?? 'upstream failure', type: 'server_error' },
          }),
        );
        return;
      }
      case 'stall':
        this.streamHead(res);
        this.chunk(res, id, body, { role: 'assistant', content: '' });
        for (const piece of pieces(answer.content, 3))
          this.chunk(res, id, body, { content: piece });
        return; // and nothing more
      case 'reply':
        if (body.stream === true) await this.stream(res, id, body, answer);
        else this.plain(res, id, body, answer);
    }
  }

  private toolCallsOf(answer: { toolCalls?: { name: string; arguments: string }[] }) {
    return (answer.toolCalls ?? []).map((call, index) => ({
      index,
      id: `call_${this.calls}_${index}`,
      type: 'function' as const,
      function: call,
    }));
  }

  private plain(
    res: ServerResponse,
    id: string,
    body: Json,
    answer: Extract<FakeAnswer, { kind: 'reply' }>,
  ): void {
    const calls = this.toolCallsOf(answer).map(({ index: _index, ...call }) => call);
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: answer.content ?? null,
              ...(calls.length > 0 && { tool_calls: calls }),
            },
            finish_reason: calls.length > 0 ? 'tool_calls' : 'stop',
          },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }),
    );
  }

  private async stream(
    res: ServerResponse,
    id: string,
    body: Json,
    answer: Extract<FakeAnswer, { kind: 'reply' }>,
  ): Promise<void> {
    this.streamHead(res);
    this.chunk(res, id, body, { role: 'assistant', content: '' });
    for (const piece of pieces(answer.content ?? '', 4)) {
      await sleep(2);
      this.chunk(res, id, body, { content: piece });
    }
    const calls = this.toolCallsOf(answer);
    // each call opens with its id and name, then the arguments of all calls interleave by index
    for (const call of calls) {
      this.chunk(res, id, body, {
        tool_calls: [{ ...call, function: { name: call.function.name, arguments: '' } }],
      });
    }
    const split = calls.map((call) => pieces(call.function.arguments, 5));
    for (let at = 0; split.some((parts) => at < parts.length); at++) {
      await sleep(1);
      for (const [index, parts] of split.entries()) {
        if (at < parts.length) {
          this.chunk(res, id, body, {
            tool_calls: [{ index, function: { arguments: parts[at] } }],
          });
        }
      }
    }
    this.chunk(res, id, body, {}, calls.length > 0 ? 'tool_calls' : 'stop');
    res.end('data: [DONE]\n\n');
  }

  private streamHead(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  }

  private chunk(
    res: ServerResponse,
    id: string,
    body: Json,
    delta: Json,
    finishReason: string | null = null,
  ): void {
    const chunk = {
      id,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    };
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
}
