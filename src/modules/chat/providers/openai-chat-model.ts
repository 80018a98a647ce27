import { Logger } from '@nestjs/common';
import OpenAI from 'openai';
import type {
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { ChatProviderError, ChatProviderTimeoutError } from '../chat.errors';
import type { ChatModel, ModelMessage, ModelReply, ModelRequest } from './chat-model';

export interface OpenAiSettings {
  baseUrl: string | undefined;
  apiKey: string | undefined;
  model: string;
  /** The longest wait for the first byte of an answer, and between two chunks of a stream. */
  timeoutMs: number;
  /** Sent as `max_tokens`; undefined: not sent (the model's default). */
  maxTokens: number | undefined;
}

/**
 * Function names may only hold `[a-zA-Z0-9_-]` (OpenAI checks; others follow): `text.stats` is
 * offered as `text_stats` and a call of `text_stats` runs `text.stats`.
 */
const functionNameOf = (tool: string): string => tool.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);

/** The turn's messages as Chat Completions messages, tool names as functions. */
function toOpenAi(
  messages: readonly ModelMessage[],
  casefile: ModelRequest['casefile'],
): ChatCompletionMessageParam[] {
  const converted: ChatCompletionMessageParam[] = messages.map((message) => {
    if (message.role === 'tool') {
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    }
    if (message.role === 'assistant') {
      const calls = message.toolCalls ?? [];
      return {
        role: 'assistant',
        content: message.content || null,
        ...(calls.length > 0 && {
          tool_calls: calls.map((call) => ({
            id: call.id,
            type: 'function' as const,
            function: { name: functionNameOf(call.name), arguments: call.arguments },
          })),
        }),
      };
    }
    return { role: message.role, content: message.content };
  });
  if (!casefile) return converted;
  const held = Object.entries(casefile.counts)
    .map(([kind, count]) => `${count} ${kind.replace(/_/g, ' ')}`)
    .join(', ');
  const context = `This conversation is about the casefile "${casefile.title}", which holds ${held}.`;
  return [{ role: 'system', content: context }, ...converted];
}

/**
 * Any OpenAI-compatible Chat Completions server (OpenAI, vLLM, Ollama, llama.cpp server) through
 * the official `openai` client: streamed, the tool registry offered as functions, parallel tool
 * calls returned together. The client retries 429 and 5xx itself (honouring Retry-After); what
 * still fails is `502 SYS_UPSTREAM_ERROR`, and an answer that does not start, or stalls, within
 * CHAT_TIMEOUT_MS is `504 SYS_UPSTREAM_TIMEOUT`; the turn's deadline (`request.signal`) aborts
 * the request too. CHAT_MAX_TOKENS, when set, is sent as `max_tokens`. The API key goes only into
 * the request's Authorization header: the client's own logging is off, and neither its error
 * messages (some providers quote the key in them) nor anything else of a failure but its status
 * is passed on.
 */
export class OpenAiChatModel implements ChatModel {
  readonly provider = 'openai';
  private readonly logger = new Logger('ChatModel');
  private readonly client: OpenAI;

  constructor(private readonly settings: OpenAiSettings) {
    this.client = new OpenAI({
      baseURL: settings.baseUrl,
      // local servers (Ollama, llama.cpp) take no key; the client insists on one
      apiKey: settings.apiKey ?? 'unused',
      timeout: settings.timeoutMs,
      maxRetries: 2,
      logLevel: 'off',
    });
  }

  get model(): string {
    return this.settings.model;
  }

  async reply(request: ModelRequest, onText: (text: string) => void): Promise<ModelReply> {
    const names = new Map(request.tools.map((tool) => [functionNameOf(tool.name), tool.name]));
    const tools: ChatCompletionTool[] = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: functionNameOf(tool.name),
        description: tool.description,
        parameters: tool.parameters,
      },
    }));
    // the client's timeout covers the wait for the response head; this one also a stalled stream
    const stalled = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => stalled.abort(), this.settings.timeoutMs);
    };
    try {
      arm();
      const stream = this.client.chat.completions.stream(
        {
          model: this.settings.model,
          messages: toOpenAi(request.messages, request.casefile),
          ...(tools.length > 0 && { tools }),
          ...(this.settings.maxTokens !== undefined && { max_tokens: this.settings.maxTokens }),
        },
        {
          signal: request.signal
            ? AbortSignal.any([stalled.signal, request.signal])
            : stalled.signal,
        },
      );
      stream.on('chunk', arm);
      stream.on('content', (delta) => {
        if (delta) onText(delta);
      });
      const completion = await stream.finalChatCompletion();
      const message = completion.choices[0]?.message;
      const calls = (message?.tool_calls ?? []).flatMap((call) =>
        call.type === 'function'
          ? [
              {
                id: call.id,
                name: names.get(call.function.name) ?? call.function.name,
                arguments: call.function.arguments,
              },
            ]
          : [],
      );
      return { content: message?.content ?? '', toolCalls: calls };
    } catch (error) {
      request.signal?.throwIfAborted(); // the turn's deadline passed: its own error
      throw this.upstreamError(error, stalled.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
  }

  /** What a failure is to our clients: its kind and status, never its text. */
  private upstreamError(error: unknown, stalled: boolean): Error {
    if (stalled || error instanceof OpenAI.APIConnectionTimeoutError) {
      this.logger.warn({ timeout_ms: this.settings.timeoutMs }, 'chat model timed out');
      return new ChatProviderTimeoutError(this.settings.timeoutMs);
    }
    const status =
      error instanceof OpenAI.APIError ? (error.status as number | undefined) : undefined;
    const kind = error instanceof Error ? error.constructor.name : typeof error;
    this.logger.warn({ upstream_status: status, error: kind }, 'chat model failed');
    return new ChatProviderError(status);
  }
}
