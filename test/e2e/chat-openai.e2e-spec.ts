import request from 'supertest';
import { DataSource } from 'typeorm';
import { uuidv7 } from 'uuidv7';
import { openSession } from '../factories/sessions';
import { bearer, loggedInUser, type TokenPair } from '../factories/users';
import { ToolRunner } from '../../src/modules/tool-sessions/execution/tool-runner';
import { ToolSessionsService } from '../../src/modules/tool-sessions/tool-sessions.service';
import { FakeOpenAi } from '../support/fake-openai';
import { openSse, type ReceivedEvent } from '../support/sse';
import { metricValue } from '../support/metrics';
import { createTestApp, type TestApp } from '../support/test-app';
import { TestToolsModule } from '../support/tools';

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
    t = await createTestApp({ env: openAiEnv(), imports: [TestToolsModule] });
    db = t.app.get(DataSource);
    await t.app.get(ToolRunner).warmedUp;
    owner = await loggedInUser(t.app.getHttpServer());
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());
  const openAiEnv = () => ({
    CHAT_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: API_KEY,
    CHAT_MODEL: 'fake-model-1',
    CHAT_TIMEOUT_MS: String(TIMEOUT_MS),
    LOG_LEVEL: 'debug',
  });
  afterEach(() => jest.restoreAllMocks());

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
    const succeeded = 'chat_messages_total{provider="openai",status="succeeded"}';
    const metric = async () =>
      metricValue((await api().get('/metrics').expect(200)).text, succeeded);
    const succeededBefore = await metric();
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
    expect(await metric()).toBe(succeededBefore + 1); // one turn, one answer counted
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
    const failed = 'chat_messages_total{provider="openai",status="failed"}';
    const failedBefore = metricValue((await api().get('/metrics').expect(200)).text, failed);
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
    // counted as failed (the turns that succeed are counted in the tests of their own)
    const metrics = (await api().get('/metrics').expect(200)).text;
    expect(metricValue(metrics, failed)).toBe(failedBefore + 1);
  });

  /** Stores messages as an earlier turn (or a crashed one) left them, a second apart, oldest first. */
  const storeMessages = async (sessionId: string, messages: Json[]) => {
    const turnId = uuidv7();
    for (const [index, message] of messages.entries()) {
      await db.query(
        `INSERT INTO chat_messages
           (id, session_id, turn_id, role, content, tool_calls, tool_call_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, now() - make_interval(secs => $8))`,
        [
          uuidv7(),
          sessionId,
          message.turn_id ?? turnId,
          message.role,
          message.content ?? '',
          message.tool_calls ? JSON.stringify(message.tool_calls) : null,
          message.tool_call_id ?? null,
          messages.length - index,
        ],
      );
    }
    return turnId;
  };
  const toolResult = (id: string): Json => ({
    role: 'tool',
    tool_call_id: id,
    content: '{"status":"succeeded","result":{"value":2},"error":null}',
  });
  const sentRoles = (body: Json) => (body.messages as Json[]).map((m) => m.role as string);

  it('shows the model a window of a long session that starts at a user message, never inside a tool exchange', async () => {
    const chat = await newChat();
    const calls = ['a', 'b', 'c'].map((id) => ({ id, name: 'math.evaluate', arguments: '{}' }));
    // 52 messages: with the next user message, the last 50 would start at the second tool message
    await storeMessages(chat, [
      { role: 'user', content: 'three sums' },
      { role: 'assistant', tool_calls: calls },
      toolResult('a'),
      toolResult('b'),
      toolResult('c'),
      { role: 'assistant', content: '2, 2 and 2' },
      ...Array.from({ length: 23 }, (_, i) => [
        { role: 'user', content: `question ${i}` },
        { role: 'assistant', content: `answer ${i}` },
      ]).flat(),
    ]);
    fake.answer({ kind: 'reply', content: 'still here' });
    const res = await say(chat, 'and now?');
    expect(res.status).toBe(201);
    const sent = sentRoles(fake.requests[0].body);
    expect(sent[0]).toBe('user');
    expect(sent).not.toContain('tool');
    expect((fake.requests[0].body.messages as Json[]).at(-1)).toEqual({
      role: 'user',
      content: 'and now?',
    });
  });

  it('closes a tool call whose turn failed before its result with an error tool message; the next turn goes on', async () => {
    jest
      .spyOn(t.app.get(ToolSessionsService), 'execute')
      .mockRejectedValueOnce(new Error('the tool path broke'));
    fake.answer({
      kind: 'reply',
      toolCalls: [{ name: 'math_evaluate', arguments: '{"expression": "1 + 1"}' }],
    });
    const chat = await newChat();
    const failed = await say(chat, 'add');
    expect(failed.status).toBe(500);
    const stored = await history(chat);
    expect(stored.map((m) => m.role as string)).toEqual(['user', 'assistant', 'tool']);
    expect(stored[2].tool_call_id).toBe(stored[1].tool_calls[0].id);
    expect(JSON.parse(stored[2].content as string)).toEqual({
      status: 'failed',
      result: null,
      error: { code: 'SYS_INTERNAL', message: expect.any(String) },
    });
    fake.answer({ kind: 'reply', content: 'back' });
    const next = await say(chat, 'again');
    expect(next.status).toBe(201);
    expect(sentRoles(fake.requests.at(-1)!.body)).toEqual(['user', 'assistant', 'tool', 'user']);
  });

  it('closes the calls a crashed turn left unanswered before it stores the next user message', async () => {
    const chat = await newChat();
    const calls = ['x1', 'x2'].map((id) => ({ id, name: 'math.evaluate', arguments: '{}' }));
    // what a killed instance leaves: the assistant's calls, one answered, no more
    const crashed = await storeMessages(chat, [
      { role: 'user', content: 'two sums' },
      { role: 'assistant', tool_calls: calls },
      toolResult('x1'),
    ]);
    fake.answer({ kind: 'reply', content: 'one of them was lost' });
    const res = await say(chat, 'well?');
    expect(res.status).toBe(201);
    const stored = await history(chat);
    expect(stored.map((m) => [m.role as string, (m.tool_call_id as string) ?? null])).toEqual([
      ['user', null],
      ['assistant', null],
      ['tool', 'x1'],
      ['tool', 'x2'],
      ['user', null],
      ['assistant', null],
    ]);
    expect(stored[3].turn_id).toBe(crashed);
    expect(JSON.parse(stored[3].content as string)).toEqual({
      status: 'failed',
      result: null,
      error: { code: 'SYS_SHUTTING_DOWN', message: expect.any(String) },
    });
    // the turn's own answer is its messages; the closed call was the crashed turn's
    expect((res.body.data.messages as Json[]).map((m) => m.role as string)).toEqual([
      'user',
      'assistant',
    ]);
    expect(sentRoles(fake.requests[0].body)).toEqual(['user', 'assistant', 'tool', 'tool', 'user']);
  });

  it('closes every call of a crashed turn whose last stored message is the assistant’s call', async () => {
    const chat = await newChat();
    const calls = ['y1', 'y2'].map((id) => ({ id, name: 'math.evaluate', arguments: '{}' }));
    await storeMessages(chat, [
      { role: 'user', content: 'earlier, answered' },
      { role: 'assistant', content: 'fine' },
      { role: 'user', content: 'two sums' },
      { role: 'assistant', tool_calls: calls },
    ]);
    fake.answer({ kind: 'reply', content: 'both were lost' });
    await say(chat, 'well?').expect(201);
    const stored = await history(chat);
    expect(stored.map((m) => [m.role as string, (m.tool_call_id as string) ?? null])).toEqual([
      ['user', null],
      ['assistant', null],
      ['user', null],
      ['assistant', null],
      ['tool', 'y1'],
      ['tool', 'y2'],
      ['user', null],
      ['assistant', null],
    ]);
  });

  it('sends no max_tokens when CHAT_MAX_TOKENS is unset (the model’s default)', async () => {
    const chat = await newChat();
    await say(chat, 'hello').expect(201);
    expect(fake.requests[0].body).not.toHaveProperty('max_tokens');
  });

  it('runs at most CHAT_TOOL_CALL_CONCURRENCY (default 2) tool calls of a round at once, answered in the model’s order', async () => {
    const waits = [300, 310, 320, 330, 340, 350];
    fake.answer(
      {
        kind: 'reply',
        toolCalls: waits.map((ms) => ({ name: 'test_wait', arguments: JSON.stringify({ ms }) })),
      },
      { kind: 'reply', content: 'done waiting' },
    );
    const chat = await newChat();
    const res = await say(chat, 'wait six times').expect(201);
    const messages = res.body.data.messages as Json[];
    const tools = messages.filter((m) => m.role === 'tool');
    expect(tools.map((m) => m.tool_call_id as string)).toEqual(
      (messages[1].tool_calls as Json[]).map((call) => call.id as string),
    );
    expect(
      tools.map((m) => (JSON.parse(m.content as string) as Json).result.waited_ms as number),
    ).toEqual(waits);
    const runs = await db.query<{ start: number; end: number }[]>(
      `SELECT extract(epoch FROM started_at) * 1000 AS start,
              extract(epoch FROM started_at) * 1000 + duration_ms AS end
         FROM tool_requests WHERE session_id = $1`,
      [chat],
    );
    expect(runs).toHaveLength(6);
    // the most runs at once: at each start, how many runs had started and not yet ended
    const overlap = Math.max(
      ...runs.map(
        (run) =>
          runs.filter(
            (other) =>
              Number(other.start) <= Number(run.start) && Number(other.end) > Number(run.start),
          ).length,
      ),
    );
    // (the tool path may run fewer of one user's at once; never more than the round's cap)
    expect(overlap).toBeLessThanOrEqual(2);
  });

  describe('with no place in line for a second run of one user (TOOL_USER_QUEUE=0)', () => {
    let c: TestApp;
    beforeAll(async () => {
      c = await createTestApp({
        env: {
          CHAT_PROVIDER: 'openai',
          OPENAI_BASE_URL: fake.baseUrl,
          OPENAI_API_KEY: API_KEY,
          CHAT_MODEL: 'fake-model-1',
          TOOL_USER_CONCURRENCY: '1',
          TOOL_USER_QUEUE: '0',
          CHAT_TOOL_CALL_CONCURRENCY: '2',
        },
        imports: [TestToolsModule],
      });
      await c.app.get(ToolRunner).warmedUp;
    });
    afterAll(() => c.close());

    it('answers a tool call the tool path refuses for capacity to the model, never a failed turn', async () => {
      fake.answer(
        {
          kind: 'reply',
          toolCalls: [
            { name: 'test_spin', arguments: '{"ms": 300}' },
            { name: 'test_spin', arguments: '{"ms": 300}' },
          ],
        },
        { kind: 'reply', content: 'One ran, the other was refused.' },
      );
      const user = await loggedInUser(c.app.getHttpServer());
      const chat = (await openSession(c.app.getHttpServer(), user, 'chat')).id as string;
      const res = await request(c.app.getHttpServer())
        .post(`/v1/chat/sessions/${chat}/messages`)
        .set('Authorization', bearer(user))
        .send({ content: 'spin twice' });
      expect(res.status).toBe(201);
      const tools = (res.body.data.messages as Json[]).filter((m) => m.role === 'tool');
      const outcomes = tools.map((m) => JSON.parse(m.content as string) as Json);
      // the two ran at once (the round's cap is 2): the user's one place went to one of them
      expect(outcomes.map((o) => o.status as string).sort()).toEqual(['failed', 'succeeded']);
      expect(outcomes.find((o) => o.status === 'failed')?.error).toMatchObject({
        code: 'TOOL_CAPACITY',
      });
    });
  });

  describe('with CHAT_MAX_TOKENS and a short CHAT_TURN_DEADLINE_MS', () => {
    const DEADLINE_MS = 1500;
    let d: TestApp;
    const sayTo = (sessionId: string, content: string) =>
      request(d.app.getHttpServer())
        .post(`/v1/chat/sessions/${sessionId}/messages`)
        .set('Authorization', bearer(owner))
        .send({ content });
    const historyOf = async (sessionId: string): Promise<Json[]> =>
      (
        await request(d.app.getHttpServer())
          .get(`/v1/chat/sessions/${sessionId}/messages`)
          .set('Authorization', bearer(owner))
          .expect(200)
      ).body.data.items as Json[];

    beforeAll(async () => {
      d = await createTestApp({
        env: {
          CHAT_PROVIDER: 'openai',
          OPENAI_BASE_URL: fake.baseUrl,
          CHAT_MODEL: 'fake-model-1',
          CHAT_TIMEOUT_MS: '5000',
          CHAT_MAX_TOKENS: '256',
          CHAT_TURN_DEADLINE_MS: String(DEADLINE_MS),
        },
        imports: [TestToolsModule],
      });
      await d.app.get(ToolRunner).warmedUp;
    });
    afterAll(() => d.close());

    it('sends CHAT_MAX_TOKENS as max_tokens', async () => {
      const chat = await newChat();
      await sayTo(chat, 'hello').expect(201);
      expect(fake.requests[0].body).toMatchObject({ max_tokens: 256 });
    });

    it('ends a streamed turn past the deadline with an error event SYS_UPSTREAM_TIMEOUT, keeping what it got', async () => {
      fake.answer(
        {
          kind: 'reply',
          toolCalls: [{ name: 'math_evaluate', arguments: '{"expression": "1 + 1"}' }],
        },
        { kind: 'hang' },
      );
      const chat = await newChat();
      const started = Date.now();
      const stream = await openSse(d.app.getHttpServer(), `/v1/chat/sessions/${chat}/messages`, {
        method: 'POST',
        headers: { authorization: bearer(owner) },
        body: { content: 'add, then think forever' },
      });
      const events = await stream.until('done');
      expect(Date.now() - started).toBeLessThan(DEADLINE_MS + 1000);
      expect(events.at(-2)).toMatchObject({
        event: 'error',
        data: {
          code: 'SYS_UPSTREAM_TIMEOUT',
          message: `The turn did not finish within ${DEADLINE_MS} ms`,
        },
      });
      expect(events.at(-1)!.data).toMatchObject({ status: 'failed', message_count: 3 });
      expect((await historyOf(chat)).map((m) => m.role as string)).toEqual([
        'user',
        'assistant',
        'tool',
      ]);
    });

    it('answers 504 when the deadline passes in a round, closing the calls it had not started', async () => {
      // two at a time, a second each: the third pair would start after the deadline
      fake.answer({
        kind: 'reply',
        toolCalls: Array.from({ length: 6 }, () => ({
          name: 'test_wait',
          arguments: '{"ms": 1000}',
        })),
      });
      const chat = await newChat();
      const res = await sayTo(chat, 'wait six times');
      expect(res.status).toBe(504);
      expect(res.body.errors[0]).toMatchObject({
        code: 'SYS_UPSTREAM_TIMEOUT',
        message: `The turn did not finish within ${DEADLINE_MS} ms`,
      });
      const stored = await historyOf(chat);
      expect(stored.map((m) => m.role as string)).toEqual([
        'user',
        'assistant',
        ...Array<string>(6).fill('tool'),
      ]);
      expect(stored.slice(2).map((m) => m.tool_call_id as string)).toEqual(
        (stored[1].tool_calls as Json[]).map((call) => call.id as string),
      );
      const outcomes = stored.slice(2).map((m) => {
        const outcome = JSON.parse(m.content as string) as Json;
        return (outcome.status === 'failed' ? outcome.error.code : outcome.status) as string;
      });
      // the calls started before the deadline ran to their end (four, unless the tool path ran
      // fewer of one user's at once); the others were never started
      const ran = outcomes.indexOf('SYS_UPSTREAM_TIMEOUT');
      expect(ran).toBeGreaterThanOrEqual(2);
      expect(ran).toBeLessThanOrEqual(4);
      expect(outcomes).toEqual([
        ...Array<string>(ran).fill('succeeded'),
        ...Array<string>(6 - ran).fill('SYS_UPSTREAM_TIMEOUT'),
      ]);
      fake.answer({ kind: 'reply', content: 'four of six' });
      await sayTo(chat, 'and?').expect(201);
    });
  });

  it('never lets the API key reach logs, audit details or error bodies', async () => {
    // an instance of its own: Nest's logger writes to the last app made, and its lines are read here
    const own = await createTestApp({ env: openAiEnv() });
    try {
      const server = own.app.getHttpServer();
      const user = await loggedInUser(server);
      const chat = async () => (await openSession(server, user, 'chat')).id as string;
      // the upstream quotes the key back, as OpenAI's "Incorrect API key provided: sk-…" does
      const quoting = {
        kind: 'status',
        status: 401,
        message: `Incorrect API key provided: ${API_KEY}`,
      } as const;
      fake.answer(quoting, quoting);
      const jsonChat = await chat();
      const json = await request(server)
        .post(`/v1/chat/sessions/${jsonChat}/messages`)
        .set('Authorization', bearer(user))
        .send({ content: 'hello' });
      const streamedChat = await chat();
      const stream = await openSse(server, `/v1/chat/sessions/${streamedChat}/messages`, {
        method: 'POST',
        headers: { authorization: bearer(user) },
        body: { content: 'hello' },
      });
      const events = await stream.until('done');
      // the key was in play: the upstream got it, and both turns failed on its answer
      expect(fake.requests.map((r) => r.headers.authorization)).toEqual([
        `Bearer ${API_KEY}`,
        `Bearer ${API_KEY}`,
      ]);
      expect(json.status).toBe(502);
      expect(json.body.errors[0]).toMatchObject({ code: 'SYS_UPSTREAM_ERROR' });
      const error = events.find((e) => e.event === 'error');
      expect(error?.data).toMatchObject({ code: 'SYS_UPSTREAM_ERROR' });
      // the bodies, what the turns stored, their log lines and audit events: no key anywhere
      expect(JSON.stringify(json.body)).not.toContain(API_KEY);
      expect(JSON.stringify(events)).not.toContain(API_KEY);
      const stored = await request(server)
        .get(`/v1/chat/sessions/${streamedChat}/messages`)
        .set('Authorization', bearer(user))
        .expect(200);
      expect(JSON.stringify(stored.body)).not.toContain(API_KEY);
      const failures = own.logs.lines.filter((line) => line.msg === 'chat model failed');
      expect(failures).toHaveLength(2);
      expect(own.logs.raw.join('')).not.toContain(API_KEY);
      const audited = await db.query<{ details: Json }[]>(
        `SELECT details FROM audit_events
          WHERE resource_type = 'chat_turn' AND details->>'session_id' = ANY($1)`,
        [[jsonChat, streamedChat]],
      );
      expect(audited).toHaveLength(2);
      expect(JSON.stringify(audited)).not.toContain(API_KEY.slice(8, 24));
    } finally {
      await own.close();
    }
  });
});
