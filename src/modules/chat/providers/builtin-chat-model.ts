import type {
  ChatModel,
  ModelMessage,
  ModelReply,
  ModelRequest,
  ModelToolCall,
} from './chat-model';

const TOOL_COMMAND = /^\/tool\s+(\S+)\s*([\s\S]*)$/;
const SEARCH_COMMAND = /^search\s+([\s\S]+)$/i;

const COUNT_NAMES: Record<string, string> = {
  tool_sessions: 'tool sessions',
  chat_sessions: 'chat sessions',
  gmail_messages: 'Gmail messages',
  drive_files: 'Drive files',
  sheets: 'sheets',
};

/** What a tool message says, for the closing answer. */
function summarise(message: ModelMessage & { role: 'tool' }, call: string): string {
  try {
    const outcome = JSON.parse(message.content) as {
      status?: string;
      result?: unknown;
      error?: { code: string; message: string };
    };
    if (outcome.error) return `${call} failed (${outcome.error.code}): ${outcome.error.message}`;
    return `${call} returned ${JSON.stringify(outcome.result)}`;
  } catch {
    return `${call}: ${message.content}`;
  }
}

/**
 * The offline provider (API.md §6): deterministic, no network, so the whole chat flow — tool
 * calls included — works anywhere. `/tool <name> <json>` calls that tool, `search <terms>` calls
 * `casefile.search`; once tools have answered it reports what they said; anything else gets a
 * short account of the casefile.
 */
export class BuiltinChatModel implements ChatModel {
  readonly provider = 'builtin';
  readonly model = 'builtin-1';

  reply(request: ModelRequest, onText: (text: string) => void): Promise<ModelReply> {
    request.signal?.throwIfAborted();
    const reply = this.answer(request);
    if (reply.content) onText(reply.content); // all of it at once: nothing here streams
    return Promise.resolve(reply);
  }

  private answer({ messages, tools, casefile }: ModelRequest): ModelReply {
    const last = messages.at(-1);
    if (last?.role === 'tool') return { content: this.report(messages), toolCalls: [] };
    const text = last?.role === 'user' ? last.content.trim() : '';
    const id = `call_${messages.length}`;
    const command = TOOL_COMMAND.exec(text);
    if (command && tools.length > 0) {
      return { content: '', toolCalls: [{ id, name: command[1], arguments: command[2] || '{}' }] };
    }
    const search = SEARCH_COMMAND.exec(text);
    if (search && tools.length > 0) {
      const args = JSON.stringify({ query: search[1].trim() });
      return { content: '', toolCalls: [{ id, name: 'casefile.search', arguments: args }] };
    }
    return { content: this.account(casefile), toolCalls: [] };
  }

  /** What each tool answered to the last tool-calling message, one line each. */
  private report(messages: ModelMessage[]): string {
    const at = messages.findLastIndex((m) => m.role === 'assistant' && m.toolCalls?.length);
    const calls = at >= 0 ? ((messages[at] as { toolCalls: ModelToolCall[] }).toolCalls ?? []) : [];
    return messages
      .slice(at + 1)
      .filter((m): m is ModelMessage & { role: 'tool' } => m.role === 'tool')
      .map((m) => summarise(m, calls.find((call) => call.id === m.toolCallId)?.name ?? 'the tool'))
      .join('\n');
  }

  private account(casefile: ModelRequest['casefile']): string {
    if (!casefile) {
      return 'This chat is not in a casefile. Run a tool with `/tool <name> <json>`, e.g. `/tool math.evaluate {"expression": "2 * (3 + 4)"}`.';
    }
    const held = Object.entries(casefile.counts)
      .map(([key, count]) => `${count} ${COUNT_NAMES[key] ?? key}`)
      .join(', ');
    return `Casefile "${casefile.title}" holds ${held}. Ask \`search <terms>\` to search it, or run a tool with \`/tool <name> <json>\`.`;
  }
}
