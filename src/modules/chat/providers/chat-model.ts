import { type ToolDto } from '../../tool-sessions';

/** A tool call as models make them: arguments are JSON text (which may not parse). */
export interface ModelToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** The conversation as a provider sees it. */
export type ModelMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ModelToolCall[] }
  | { role: 'tool'; content: string; toolCallId: string };

export interface ModelRequest {
  messages: ModelMessage[];
  /** The registry, offered as functions; empty when the model must answer now. */
  tools: ToolDto[];
  /** What the session is about, for an answer about it. */
  casefile?: { title: string; counts: Record<string, number> };
  /** The turn's deadline: aborted, the reply fails with the signal's reason. */
  signal?: AbortSignal;
}

export interface ModelReply {
  content: string;
  toolCalls: ModelToolCall[];
}

/**
 * A chat model behind one interface (API.md §6), chosen by CHAT_PROVIDER: `builtin` (offline,
 * deterministic) or `openai` (any OpenAI-compatible Chat Completions server).
 */
export interface ChatModel {
  readonly provider: string;
  readonly model: string;
  /**
   * The model's next message. Its text is also handed to `onText` as it arrives (a streaming
   * provider calls it per chunk). Provider failures are UpstreamErrors (502, 504).
   */
  reply(request: ModelRequest, onText: (text: string) => void): Promise<ModelReply>;
}

export const CHAT_MODEL = Symbol('CHAT_MODEL');
