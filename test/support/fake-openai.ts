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
 * What OpenAI refuses with a 400 before it runs a model (and so do vLLM and the others that
 * validate the conversation): a `tool` message that answers no call of the assistant message
 * before it, an assistant's tool call that is not answered by a `tool` message before the next
 * message of another kind, and a `max_tokens` that is not a positive integer.
 */
function invalidRequest(body: Json): { message: string; param: string } | undefined {
  if ('max_tokens' in body && !(Number.isInteger(body.max_tokens) && body.max_tokens > 0)) {
    return { message: 'Invalid max_tokens: expected a positive integer.', param: 'max_tokens' };
  }
  const messages = (body.messages ?? []) as Json[];
  // the calls of the last assistant message still waiting for their tool messages
  let open = new Set<string>();
  let openedAt = -1;
  const unanswered = () => ({
    message:
      "An assistant message with 'tool_calls' must be followed by tool messages responding to " +
      `each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`,
    param: `messages.[${openedAt}].role`,
  });
  for (const [index, message] of messages.entries()) {
    if (message.role === 'tool') {
      if (!open.delete(message.tool_call_id as string)) {
        return {
          message:
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          param: `messages.[${index}].role`,
        };
      }
      continue;
    }
    if (open.size > 0) return unanswered();
    open = new Set(((message.tool_calls ?? []) as Json[]).map((call) => call.id as string));
    openedAt = index;
  }
  return open.size > 0 ? unanswered() : undefined;
}

/**
 * A local server that speaks the OpenAI Chat Completions protocol (`POST /v1/chat/completions`),
 * plain JSON or streamed as `chat.completion.chunk` events ending in `data: [DONE]`, with the
 * arguments of parallel tool calls split across chunks and interleaved by index — so the real
 * `openai` client does its real parsing. A request OpenAI would refuse (see `invalidRequest`) gets
 * its 400 and uses up no answer; the others follow a script, and unscripted requests get "ok".
 * Every request is kept as it came (`requests`: its `max_tokens`, `messages`, `tools`, …).
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
    const invalid = invalidRequest(body);
    if (invalid) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: {
            message: invalid.message,
            type: 'invalid_request_error',
            param: invalid.param,
            code: null,
          },
        }),
      );
      return;
    }
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
