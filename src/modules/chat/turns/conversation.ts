import type { ChatMessageEntity } from '../chat-message.entity';
import { ChatTurnInterruptedError } from '../chat.errors';
import type { ModelMessage } from '../providers/chat-model';

/** What a tool call's `tool` message says: its status, result and error, as JSON. */
export const toolOutcome = (status: string, result: unknown, error: unknown): string =>
  JSON.stringify({ status, result, error });

/** The `tool` message of a call its turn never answered: failed, with what ended the turn. */
export const unansweredOutcome = ({ code, message }: { code: string; message: string }): string =>
  toolOutcome('failed', null, { code, message });

export function toModelMessage(message: ChatMessageEntity): ModelMessage {
  if (message.role === 'tool') {
    return { role: 'tool', content: message.content, toolCallId: message.toolCallId ?? '' };
  }
  if (message.role === 'assistant') {
    return { role: 'assistant', content: message.content, toolCalls: message.toolCalls ?? [] };
  }
  return { role: 'user', content: message.content };
}

/**
 * The stored window of a session (oldest first) as a model may be shown it: OpenAI-compatible
 * servers refuse a conversation where a `tool` message answers no call of the assistant message
 * before it, or a call goes unanswered (400, and every later turn of the session with it). So it
 * starts at the first `user` message (a window cut by count may begin inside a tool exchange),
 * drops `tool` messages that answer no open call, and answers a call that has none — stored
 * before turns closed their calls — as interrupted. Turns now close their calls themselves, so
 * this only repairs what older or cut windows hold.
 */
export function conversationOf(messages: readonly ChatMessageEntity[]): ModelMessage[] {
  const start = messages.findIndex((message) => message.role === 'user');
  if (start < 0) return [];
  const shown: ModelMessage[] = [];
  // the calls of the last assistant message not answered yet, in the model's order
  let open: string[] = [];
  const closeOpen = () => {
    if (open.length === 0) return; // the usual case: no Error (and its stack) built per message
    const content = unansweredOutcome(new ChatTurnInterruptedError());
    for (const toolCallId of open) shown.push({ role: 'tool', content, toolCallId });
    open = [];
  };
  for (const message of messages.slice(start)) {
    if (message.role === 'tool') {
      const at = open.indexOf(message.toolCallId ?? '');
      if (at < 0) continue;
      open.splice(at, 1);
      shown.push(toModelMessage(message));
      continue;
    }
    closeOpen();
    shown.push(toModelMessage(message));
    open = (message.toolCalls ?? []).map((call) => call.id);
  }
  closeOpen();
  return shown;
}
