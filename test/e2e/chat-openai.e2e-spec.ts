import request from 'supertest';
import { DataSource } from 'typeorm';
import { openSession } from '../factories/sessions';
import { bearer, loggedInUser, type TokenPair } from '../factories/users';
import { ToolRunner } from '../../src/modules/tool-sessions/execution/tool-runner';
import { FakeOpenAi } from '../support/fake-openai';
import { openSse, type ReceivedEvent } from '../support/sse';
import { createTestApp, type TestApp } from '../support/test-app';

type User = TokenPair & { id: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A key with a shape no other text in the run has: it must never leave the Authorization header. */
const API_KEY = 'sk-test-9f3c1e77d2b84a6f-never-logged';
const TIMEOUT_MS = 800;

describe('Chat with CHAT_PROVIDER=openai against a fake Chat Completions server', () => {
  let t: TestApp;
  let fake: FakeOpenAi;
  let db: DataSource;
  let owner: User;
  const api = () => request(t.app.getHttpServer());

  beforeAll(async () => {
    fake = await FakeOpenAi.start();
    t = await createTestApp({
      env: {
        CHAT_PROVIDER: 'openai',
        OPENAI_BASE_URL: fake.baseUrl,
        OPENAI_API_KEY: API_KEY,
        CHAT_MODEL: 'fake-model-1',
        CHAT_TIMEOUT_MS: String(TIMEOUT_MS),
        LOG_LEVEL: 'debug',
      },
    });
    db = t.app.get(DataSource);
    await t.app.get(ToolRunner).warmedUp;
    owner = await loggedInUser(t.app.getHttpServer());
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const newChat = async (body: Json = {}) =>
    (await openSession(t.app.getHttpServer(), owner, 'chat', body)).id as string;
  const say = (sessionId: string, content: string) =>
    api()
      .post(`/v1/chat/sessions/${sessionId}/messages`)
      .set('Authorization', bearer(owner))
      .send({ content });
  const history = async (sessionId: string): Promise<Json[]> =>
    (
      await api()
        .get(`/v1/chat/sessions/${sessionId}/messages`)
        .set('Authorization', bearer(owner))
        .expect(200)
    ).body.data.items as Json[];
  const names = (events: ReceivedEvent[]) => events.map((e) => e.event);

  it('streams a turn of two tool-call rounds (the first with two parallel calls) and its answer', async () => {
    fake.answer(
      {
        kind: 'reply',
        toolCalls: [
          { name: 'text_stats', arguments: '{"text": "to be or not to be"}' },
          { name: 'math_evaluate', arguments: '{"expression": "6 * 7"}' },
        ],
      },
      {
        kind: 'reply',
        content: 'Checking.',
        toolCalls: [{ name: 'math_evaluate', arguments: '{"expression": "42 + 1"}' }],
      },
      { kind: 'reply', content: 'Six words; 6 × 7 = 42, and one more is 43.' },
    );
    const chat = await newChat({ system_prompt: 'Be brief.' });
    const stream = await openSse(t.app.getHttpServer(), `/v1/chat/sessions/${chat}/messages`, {
      method: 'POST',
      headers: { authorization: bearer(owner) },
      body: { content: 'How many words, and what is 6 × 7?' },
    });
    expect(stream.status).toBe(200);
    const events = await stream.until('done');
    const turnId = events[0].data.turn_id as string;
    expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i + 1));
    expect(events.every((e) => e.data.turn_id === turnId)).toBe(true);
    expect(names(events).filter((n) => n !== 'message.delta')).toEqual([
      'message.created', // user
      'message.created', // assistant, round 1
      'message.completed',
      'tool.call',
      'tool.call',
      'tool.result',
      'tool.result',
      'message.created', // tool
      'message.created', // tool
      'message.created', // assistant, round 2
      'message.completed',
      'tool.call',
      'tool.result',
      'message.created', // tool
      'message.created', // assistant, answer
      'message.completed',
      'done',
    ]);
    const results = events.filter((e) => e.event === 'tool.result');
    expect(results.map((e) => [e.data.name as string, e.data.status as string])).toEqual(
      expect.arrayContaining([
        ['text.stats', 'succeeded'],
        ['math.evaluate', 'succeeded'],
      ]),
    );
    const answer = events.filter((e) => e.event === 'message.completed').at(-1)!.data.message;
    const deltas = events.filter(
      (e) => e.event === 'message.delta' && e.data.message_id === answer.id,
    );
    expect(deltas.length).toBeGreaterThan(3); // it came in pieces, as the fake streamed it
    expect(deltas.map((e) => e.data.text as string).join('')).toBe(
      'Six words; 6 × 7 = 42, and one more is 43.',
    );
    expect(events.at(-1)!.data).toMatchObject({ status: 'succeeded', message_count: 7 });

    // what the model was sent: the registry as functions, then the calls and their results
    expect(fake.requests).toHaveLength(3);
    const [first, second, third] = fake.requests.map((r) => r.body);
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(first).toMatchObject({ model: 'fake-model-1', stream: true });
    const offered = (first.tools as Json[]).map((tool) => tool.function.name as string);
    expect(offered).toEqual(expect.arrayContaining(['text_stats', 'math_evaluate']));
    expect(
      (first.tools as Json[]).find((tool) => tool.function.name === 'math_evaluate'),
    ).toMatchObject({
      type: 'function',
      function: { parameters: { type: 'object', required: ['expression'] } },
    });
    expect(first.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    const fedBack = (second.messages as Json[]).slice(-3);
    expect(fedBack[0]).toMatchObject({
      role: 'assistant',
      tool_calls: [{ function: { name: 'text_stats' } }, { function: { name: 'math_evaluate' } }],
    });
    expect(fedBack.slice(1).map((m) => m.role as string)).toEqual(['tool', 'tool']);
    expect(JSON.parse(fedBack[2].content as string)).toMatchObject({
      status: 'succeeded',
      result: { value: 42 },
    });
    expect(fedBack[2].tool_call_id).toBe(fedBack[0].tool_calls[1].id);
    expect((third.messages as Json[]).at(-1)).toMatchObject({ role: 'tool' });

    const stored = await history(chat);
    expect(stored.map((m) => m.role as string)).toEqual([
      'user',
      'assistant',
      'tool',
      'tool',
      'assistant',
      'tool',
      'assistant',
    ]);
    expect((stored[1].tool_calls as Json[]).map((c) => c.name as string)).toEqual([
      'text.stats',
      'math.evaluate',
    ]);
    expect(stored.every((m) => m.turn_id === turnId)).toBe(true);
    const [{ n }] = await db.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM tool_requests WHERE session_id = $1',
      [chat],
    );
    expect(n).toBe(3);
  });

  it('answers an unknown function or arguments that are not JSON with tool messages, and goes on', async () => {
    fake.answer(
      {
        kind: 'reply',
        toolCalls: [
          { name: 'no_such_tool', arguments: '{}' },
          { name: 'math_evaluate', arguments: '{"expression": ' },
        ],
      },
      { kind: 'reply', content: 'Sorry.' },
    );
    const chat = await newChat();
    const res = await say(chat, 'try').expect(201);
    const tools = (res.body.data.messages as Json[]).filter((m) => m.role === 'tool');
    expect(
      tools.map((m) => (JSON.parse(m.content as string) as Json).error.code as string),
    ).toEqual(['NF_TOOL', 'VAL_TOOL_PARAMETERS']);
    expect((res.body.data.messages as Json[]).at(-1)).toMatchObject({
      role: 'assistant',
      content: 'Sorry.',
    });
  });

  it('maps a 500 that outlasts the client’s retries to 502 and keeps the turn as far as it got', async () => {
    const failure = {
      kind: 'status',
      status: 500,
      message: `Incorrect API key provided: ${API_KEY}`,
      retryAfterMs: 5,
    } as const;
    fake.answer(
      {
        kind: 'reply',
        toolCalls: [{ name: 'math_evaluate', arguments: '{"expression": "1 + 1"}' }],
      },
      failure,
      failure,
      failure,
    );
    const chat = await newChat();
    const res = await say(chat, 'add');
    expect(res.status).toBe(502);
    expect(res.body.errors[0]).toMatchObject({
      code: 'SYS_UPSTREAM_ERROR',
      details: { upstream_status: 500 },
    });
    expect(JSON.stringify(res.body)).not.toContain(API_KEY);
    expect(fake.requests).toHaveLength(4); // the first round, then three tries of the second
    expect((await history(chat)).map((m) => m.role as string)).toEqual([
      'user',
      'assistant',
      'tool',
    ]);
    // the session is free again
    fake.answer({ kind: 'reply', content: 'back' });
    await say(chat, 'again').expect(201);
  });

  it('maps a 429 (retried as Retry-After says) to 502', async () => {
    const limited = {
      kind: 'status',
      status: 429,
      message: 'Rate limit reached',
      retryAfterMs: 5,
    } as const;
    fake.answer(limited, limited, limited);
    const chat = await newChat();
    const res = await say(chat, 'hello');
    expect(res.status).toBe(502);
    expect(res.body.errors[0]).toMatchObject({
      code: 'SYS_UPSTREAM_ERROR',
      details: { upstream_status: 429 },
    });
    expect(fake.requests).toHaveLength(3);
    expect((await history(chat)).map((m) => m.role as string)).toEqual(['user']);
  });

  it('answers 504 when the server never answers, within CHAT_TIMEOUT_MS', async () => {
    fake.answer({ kind: 'hang' });
    const chat = await newChat();
    const started = Date.now();
    const res = await say(chat, 'hello');
    expect(res.status).toBe(504);
    expect(res.body.errors[0].code).toBe('SYS_UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1500);
  });

  it('streams what came before a stall, then an error event and done; the partial answer is not a message', async () => {
    fake.answer({ kind: 'stall', content: 'Let me th' });
    const chat = await newChat();
    const stream = await openSse(t.app.getHttpServer(), `/v1/chat/sessions/${chat}/messages`, {
      method: 'POST',
      headers: { authorization: bearer(owner) },
      body: { content: 'think' },
    });
    const events = await stream.until('done');
    expect(names(events).filter((n) => n !== 'message.delta')).toEqual([
      'message.created',
      'message.created',
      'error',
      'done',
    ]);
    expect(
      events
        .filter((e) => e.event === 'message.delta')
        .map((e) => e.data.text as string)
        .join(''),
    ).toBe('Let me th');
    expect(events.at(-2)!.data).toMatchObject({ code: 'SYS_UPSTREAM_TIMEOUT' });
    expect(events.at(-1)!.data).toMatchObject({ status: 'failed', message_count: 1 });
    expect((await history(chat)).map((m) => m.role as string)).toEqual(['user']);
    const metrics = (await api().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/chat_messages_total\{provider="openai",status="failed"\} [1-9]/);
    expect(metrics).toMatch(/chat_messages_total\{provider="openai",status="succeeded"\} [1-9]/);
  });

  it('never lets the API key reach logs, audit details or error bodies', async () => {
    // the failures above ran with debug logging; their audit events were written
    expect(t.logs.raw.join('')).not.toContain(API_KEY);
    expect(t.logs.raw.join('')).toContain('chat model failed');
    const [{ n }] = await db.query<{ n: number }[]>(
      "SELECT count(*)::int AS n FROM audit_events WHERE details::text LIKE '%' || $1 || '%'",
      [API_KEY.slice(8, 24)],
    );
    expect(n).toBe(0);
    const [{ turns }] = await db.query<{ turns: number }[]>(
      "SELECT count(*)::int AS turns FROM audit_events WHERE resource_type = 'chat_turn'",
    );
    expect(turns).toBeGreaterThan(0);
  });
});
