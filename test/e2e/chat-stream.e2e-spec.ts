import request from 'supertest';
import { DataSource } from 'typeorm';
import { uuidv7 } from 'uuidv7';
import { createCasefile, grantPermission } from '../factories/casefiles';
import { openSession } from '../factories/sessions';
import { bearer, loggedInUser, type TokenPair } from '../factories/users';
import { ToolRunner } from '../../src/modules/tool-sessions/execution/tool-runner';
import { openSse, type ReceivedEvent, type SseClient } from '../support/sse';
import { createTestApp, type TestApp } from '../support/test-app';
import { TestToolsModule } from '../support/tools';

type User = TokenPair & { id: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ENV = { TOOL_TIMEOUT_MS: '5000', SSE_HEARTBEAT_MS: '200' };

const names = (events: ReceivedEvent[]) => events.map((e) => e.event);
const ids = (events: ReceivedEvent[]) => events.map((e) => e.id);

/** Streams, resumption and their rules (API.md §6), builtin provider, on one or two instances. */
describe('Chat turns as Server-Sent Events', () => {
  let t: TestApp;
  let db: DataSource;
  let owner: User;
  const api = () => request(t.app.getHttpServer());

  beforeAll(async () => {
    t = await createTestApp({ env: ENV, imports: [TestToolsModule] });
    db = t.app.get(DataSource);
    await t.app.get(ToolRunner).warmedUp;
    owner = await loggedInUser(t.app.getHttpServer());
  });
  afterAll(() => t.close());

  const newChat = async (user: User = owner, body: Json = {}) =>
    (await openSession(t.app.getHttpServer(), user, 'chat', body)).id as string;

  /** A turn as JSON. */
  const say = (chat: string, content: string) =>
    api()
      .post(`/v1/chat/sessions/${chat}/messages`)
      .set('Authorization', bearer(owner))
      .send({ content });

  const streamTurn = (app: TestApp, user: User, chat: string, content: string) =>
    openSse(app.app.getHttpServer(), `/v1/chat/sessions/${chat}/messages`, {
      method: 'POST',
      headers: { authorization: bearer(user) },
      body: { content },
    });

  const resume = (
    app: TestApp,
    user: User,
    chat: string,
    turnId: string,
    headers: Record<string, string> = {},
    query = '',
  ): Promise<SseClient> =>
    openSse(app.app.getHttpServer(), `/v1/chat/sessions/${chat}/turns/${turnId}/events${query}`, {
      headers: { authorization: bearer(user), ...headers },
    });

  const storedEvents = async (turnId: string) =>
    (
      await db.query<{ seq: number; event: string }[]>(
        'SELECT seq, event FROM chat_turn_events WHERE turn_id = $1 ORDER BY seq',
        [turnId],
      )
    ).map((row) => [String(row.seq), row.event]);

  it('streams a turn with a tool call: every event with an id and the turn id, then done', async () => {
    const chat = await newChat();
    const stream = await streamTurn(t, owner, chat, '/tool text.stats {"text": "a b a"}');
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('x-accel-buffering')).toBe('no');
    expect(stream.headers.get('x-session-id')).toBe(chat);
    const events = await stream.until('done');
    expect(names(events)).toEqual([
      'message.created',
      'message.created',
      'message.completed',
      'tool.call',
      'tool.result',
      'message.created',
      'message.created',
      'message.delta',
      'message.completed',
      'done',
    ]);
    expect(ids(events)).toEqual(events.map((_, i) => String(i + 1)));
    const turnId = events[0].data.turn_id as string;
    expect(events.every((e) => e.data.turn_id === turnId)).toBe(true);
    expect(events[0].data.message).toMatchObject({
      role: 'user',
      content: '/tool text.stats {"text": "a b a"}',
    });
    expect(events[3].data).toMatchObject({ name: 'text.stats', arguments: '{"text": "a b a"}' });
    expect(events[4].data).toMatchObject({
      name: 'text.stats',
      status: 'succeeded',
      result: { words: 3 },
    });
    expect(events.at(-1)!.data).toEqual({ turn_id: turnId, status: 'succeeded', message_count: 4 });
    // the JSON history holds the same messages, in the same turn
    const history = await api()
      .get(`/v1/chat/sessions/${chat}/messages`)
      .set('Authorization', bearer(owner))
      .expect(200);
    const stored = history.body.data.items as Json[];
    expect(stored.map((m) => m.id as string)).toEqual(
      events
        .filter(
          (e) =>
            e.event === 'message.completed' ||
            (e.event === 'message.created' && e.data.message.role !== 'assistant'),
        )
        .map((e) => e.data.message.id as string),
    );
    expect(await storedEvents(turnId)).toEqual(events.map((e) => [e.id, e.event]));
    // the session is free once done has arrived: the next turn is taken at once
    await say(chat, 'hello').expect(201);
  });

  it('sends heartbeats while a tool runs', async () => {
    const chat = await newChat();
    const stream = await streamTurn(t, owner, chat, '/tool test.wait {"ms": 1200}');
    await stream.until('tool.call');
    const before = stream.comments;
    await stream.until('tool.result');
    expect(stream.comments - before).toBeGreaterThanOrEqual(3); // every 200 ms for 1.2 s
    await stream.until('done');
  });

  it('keeps the turn going when the client leaves; resuming returns exactly the missed events', async () => {
    const chat = await newChat();
    const stream = await streamTurn(t, owner, chat, '/tool test.wait {"ms": 800}');
    const seen = await stream.until('tool.call');
    const turnId = seen[0].data.turn_id as string;
    stream.close(); // mid-turn, while the tool runs

    // still one turn at a time: the session is held until the turn ends
    const busy = await say(chat, 'again');
    expect(busy.status).toBe(409);
    expect(busy.body.errors[0].code).toBe('CF_SESSION_BUSY');

    const resumed = await resume(t, owner, chat, turnId, { 'last-event-id': seen.at(-1)!.id! });
    expect(resumed.status).toBe(200);
    const rest = await resumed.until('done');
    expect(await resumed.next()).toBeUndefined(); // the stream ends after done
    expect(names(rest)).toEqual([
      'tool.result',
      'message.created',
      'message.created',
      'message.delta',
      'message.completed',
      'done',
    ]);
    const all = await storedEvents(turnId);
    expect([...ids(seen), ...ids(rest)]).toEqual(all.map(([id]) => id));
    expect(rest[0].data).toMatchObject({ status: 'succeeded', result: { waited_ms: 800 } });

    // the turn is complete, and the session free
    const history = await api()
      .get(`/v1/chat/sessions/${chat}/messages`)
      .set('Authorization', bearer(owner))
      .expect(200);
    expect((history.body.data.items as Json[]).map((m) => m.role as string)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
    ]);
    await say(chat, 'again').expect(201);
  });

  it('replays a finished turn from any point: Last-Event-ID as header or as query, 0 for all', async () => {
    const chat = await newChat();
    const all = await (await streamTurn(t, owner, chat, 'hello')).until('done');
    const turnId = all[0].data.turn_id as string;
    const whole = await (await resume(t, owner, chat, turnId)).until('done');
    expect(whole).toEqual(all);
    const fromQuery = await (
      await resume(t, owner, chat, turnId, {}, '?last_event_id=2')
    ).until('done');
    expect(fromQuery).toEqual(all.slice(2));
    const fromEnd = await resume(t, owner, chat, turnId, { 'last-event-id': all.at(-1)!.id! });
    expect(await fromEnd.next()).toBeUndefined();
  });

  it('refuses a bad Last-Event-ID, an unknown turn, and readers who may not see the session', async () => {
    const viewer = await loggedInUser(t.app.getHttpServer());
    const stranger = await loggedInUser(t.app.getHttpServer());
    const casefileId = (await createCasefile(t.app.getHttpServer(), owner, { title: 'Streams' }))
      .id;
    await grantPermission(t.app.getHttpServer(), owner, casefileId, viewer.id, 'viewer');
    const chat = await newChat(owner, { casefile_id: casefileId });
    const all = await (await streamTurn(t, owner, chat, 'hello')).until('done');
    const turnId = all[0].data.turn_id as string;

    const bad = await resume(t, owner, chat, turnId, { 'last-event-id': 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.body!.errors[0]).toMatchObject({
      code: 'VAL_FAILED',
      details: { fields: [{ field: 'Last-Event-ID' }] },
    });
    const unknown = await resume(t, owner, chat, uuidv7());
    expect(unknown.status).toBe(404);
    expect(unknown.body!.errors[0]).toMatchObject({
      code: 'NF_CHAT_SESSION',
      details: { reason: 'unknown_turn' },
    });
    const notAnId = await resume(t, owner, chat, 'nope');
    expect(notAnId.status).toBe(400);
    // a turn answered as JSON has no stream to resume (its messages were the answer)
    const json = await say(chat, 'as JSON').expect(201);
    const unstreamed = await resume(t, owner, chat, json.body.data.turn_id as string);
    expect(unstreamed.status).toBe(404);
    expect(
      await db.query('SELECT 1 FROM chat_turn_events WHERE turn_id = $1', [json.body.data.turn_id]),
    ).toEqual([]);

    // the casefile's viewer reads it (the JSON-less access matrix of reading a session)
    const byViewer = await resume(t, viewer, chat, turnId);
    expect(byViewer.status).toBe(200);
    expect(await byViewer.until('done')).toEqual(all);
    const byStranger = await resume(t, stranger, chat, turnId);
    expect(byStranger.status).toBe(404);
    expect(byStranger.body!.errors[0].code).toBe('NF_CHAT_SESSION');
    // another session's turn is not this session's
    const other = await newChat();
    const elsewhere = await resume(t, owner, other, turnId);
    expect(elsewhere.status).toBe(404);
  });

  it('refuses a second turn while one streams (409), as JSON before any stream starts', async () => {
    const chat = await newChat();
    const stream = await streamTurn(t, owner, chat, '/tool test.wait {"ms": 500}');
    await stream.until('tool.call');
    const second = await streamTurn(t, owner, chat, 'hello');
    expect(second.status).toBe(409);
    expect(second.headers.get('content-type')).toMatch(/^application\/json/);
    expect(second.body!.errors[0].code).toBe('CF_SESSION_BUSY');
    await stream.until('done');
  });

  it('ends the stream of a turn whose instance died with an error event, once the session is free', async () => {
    const chat = await newChat();
    const turnId = uuidv7();
    // what a killed instance leaves: the first events, no done, and no lease on the session
    await db.query(
      `INSERT INTO chat_turn_events (turn_id, seq, session_id, event, data)
       VALUES ($1, 1, $2, 'message.created', jsonb_build_object('turn_id', $3::text)),
              ($1, 2, $2, 'message.created', jsonb_build_object('turn_id', $3::text))`,
      [turnId, chat, turnId],
    );
    const started = Date.now();
    const events = await (await resume(t, owner, chat, turnId)).until('done');
    expect(ids(events)).toEqual(['1', '2', '3', '4']);
    expect(names(events).slice(2)).toEqual(['error', 'done']);
    expect(events[2].data).toMatchObject({ turn_id: turnId, code: 'SYS_SHUTTING_DOWN' });
    expect(events[3].data).toEqual({ turn_id: turnId, status: 'failed' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  const fanOuts: [string, Record<string, string>][] = [['PostgreSQL LISTEN/NOTIFY', {}]];
  if (process.env.REDIS_URL) fanOuts.push(['Redis pub/sub', { REDIS_URL: process.env.REDIS_URL }]);

  describe.each(fanOuts)('two instances on one database (%s)', (_name, extra) => {
    let first: TestApp;
    let second: TestApp;

    beforeAll(async () => {
      [first, second] = await Promise.all([
        createTestApp({ env: { ...ENV, ...extra }, imports: [TestToolsModule] }),
        createTestApp({ env: { ...ENV, ...extra }, imports: [TestToolsModule] }),
      ]);
      await Promise.all([first.app.get(ToolRunner).warmedUp, second.app.get(ToolRunner).warmedUp]);
    });
    afterAll(() => Promise.all([first.close(), second.close()]));

    it('resumes on the second instance a turn the first still runs, live until done', async () => {
      const chat = await newChat();
      const stream = await streamTurn(first, owner, chat, '/tool test.wait {"ms": 1000}');
      const seen = await stream.until('tool.call');
      const turnId = seen[0].data.turn_id as string;
      stream.close();
      const started = Date.now();
      const resumed = await resume(second, owner, chat, turnId, {
        'last-event-id': seen.at(-1)!.id!,
      });
      expect(resumed.status).toBe(200);
      const rest = await resumed.until('done');
      expect(names(rest)[0]).toBe('tool.result');
      expect([...ids(seen), ...ids(rest)]).toEqual((await storedEvents(turnId)).map(([id]) => id));
      // woken by the signal, not by the follower's own look every 2 s
      expect(Date.now() - started).toBeLessThan(1_900);
      // and one turn at a time across instances
      const other = await streamTurn(second, owner, chat, '/tool test.wait {"ms": 300}');
      await other.until('tool.call');
      const busy = await request(first.app.getHttpServer())
        .post(`/v1/chat/sessions/${chat}/messages`)
        .set('Authorization', bearer(owner))
        .send({ content: 'hello' });
      expect(busy.status).toBe(409);
      await other.until('done');
    });
  });
});
