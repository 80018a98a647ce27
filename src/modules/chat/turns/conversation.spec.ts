import type { ChatMessageEntity } from '../chat-message.entity';
import { conversationOf } from './conversation';

let clock = 0;
function message(
  role: ChatMessageEntity['role'],
  fields: Partial<ChatMessageEntity> = {},
): ChatMessageEntity {
  clock += 1;
  return {
    id: `m${clock}`,
    sessionId: 's',
    turnId: 't',
    role,
    content: `${role} ${clock}`,
    toolCalls: null,
    toolCallId: null,
    createdAt: new Date(clock),
    ...fields,
  };
}
const call = (id: string) => ({ id, name: 'math.evaluate', arguments: '{}' });
const assistantCalling = (...ids: string[]) =>
  message('assistant', { content: '', toolCalls: ids.map(call) });
const answer = (id: string) => message('tool', { toolCallId: id, content: `answer ${id}` });

/** What the model is shown, one line a message. */
const shown = (messages: ChatMessageEntity[]) =>
  conversationOf(messages).map((m) => {
    if (m.role === 'tool') return `tool ${m.toolCallId}: ${m.content}`;
    if (m.role === 'assistant' && m.toolCalls?.length) {
      return `assistant calls ${m.toolCalls.map((c) => c.id).join(',')}`;
    }
    return m.role;
  });

describe('conversationOf', () => {
  it('shows a well-formed history as it is', () => {
    expect(
      shown([
        message('user'),
        assistantCalling('a', 'b'),
        answer('a'),
        answer('b'),
        message('assistant'),
        message('user'),
      ]),
    ).toEqual([
      'user',
      'assistant calls a,b',
      'tool a: answer a',
      'tool b: answer b',
      'assistant',
      'user',
    ]);
  });

  it('starts at the first user message: a window never begins inside a tool exchange', () => {
    expect(
      shown([
        answer('a'),
        answer('b'),
        message('assistant'),
        message('user'),
        message('assistant'),
      ]),
    ).toEqual(['user', 'assistant']);
    expect(shown([assistantCalling('a'), answer('a'), message('user')])).toEqual(['user']);
  });

  it('drops a tool message that answers no call of the assistant message before it', () => {
    expect(
      shown([
        message('user'),
        assistantCalling('a'),
        answer('a'),
        answer('z'),
        message('assistant'),
        answer('a'),
        message('user'),
      ]),
    ).toEqual(['user', 'assistant calls a', 'tool a: answer a', 'assistant', 'user']);
  });

  it('answers a call that has no tool message (stored before calls were closed) as failed', () => {
    const lines = shown([
      message('user'),
      assistantCalling('a', 'b'),
      answer('b'),
      message('user'),
    ]);
    expect(lines.slice(0, 2)).toEqual(['user', 'assistant calls a,b']);
    expect(lines[2]).toBe('tool b: answer b');
    expect(lines[3]).toMatch(/^tool a: /);
    expect(JSON.parse(lines[3].slice('tool a: '.length))).toEqual({
      status: 'failed',
      result: null,
      error: { code: 'SYS_SHUTTING_DOWN', message: expect.any(String) },
    });
    expect(lines[4]).toBe('user');
  });

  it('answers each call once, with its first answer', () => {
    expect(
      shown([message('user'), assistantCalling('a'), answer('a'), answer('a'), message('user')]),
    ).toEqual(['user', 'assistant calls a', 'tool a: answer a', 'user']);
  });
});
