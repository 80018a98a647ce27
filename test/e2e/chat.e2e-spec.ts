import request from 'supertest';
import { DataSource } from 'typeorm';
import { createCasefile, grantPermission } from '../factories/casefiles';
import { openSession } from '../factories/sessions';
import {
  bearer,
  grantRole,
  loggedInUser,
  login,
  registerUser,
  type TokenPair,
} from '../factories/users';
import { ToolRunner } from '../../src/modules/tool-sessions/execution/tool-runner';
import { createTestApp, type TestApp } from '../support/test-app';
import { metricsReader } from '../support/metrics';
import { TestToolsModule } from '../support/tools';

type User = TokenPair & { id: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('Chat (API.md §6), builtin provider', () => {
  let t: TestApp;
  let db: DataSource;
  const api = () => request(t.app.getHttpServer());

  beforeAll(async () => {
    t = await createTestApp({ env: { TOOL_TIMEOUT_MS: '1500' }, imports: [TestToolsModule] });
    db = t.app.get(DataSource);
    // the timeouts here are short: let the worker threads finish starting first
    await t.app.get(ToolRunner).warmedUp;
  });
  afterAll(() => t.close());

  const newUser = (): Promise<User> => loggedInUser(t.app.getHttpServer());

  const newChat = (owner: User, body: Json = {}) =>
    openSession(t.app.getHttpServer(), owner, 'chat', body);

  const say = (caller: User | string, sessionId: string, content: string) =>
    api()
      .post(`/v1/chat/sessions/${sessionId}/messages`)
      .set('Authorization', bearer(caller))
      .send({ content });

  const roles = (messages: Json[]) => messages.map((m) => m.role as string);
  const toolAnswer = (messages: Json[]) =>
    JSON.parse(messages.find((m) => m.role === 'tool')?.content as string) as Json;

  describe('sessions', () => {
    let owner: User;
    let viewer: User;
    let stranger: User;
    let admin: User;
    let casefileId: string;

    beforeAll(async () => {
      [owner, viewer, stranger] = await Promise.all([newUser(), newUser(), newUser()]);
      const adminAccount = await registerUser(t.app.getHttpServer());
      await grantRole(db, adminAccount.id, 'admin');
      admin = { ...(await login(t.app.getHttpServer(), adminAccount)), id: adminAccount.id };
      casefileId = (await createCasefile(t.app.getHttpServer(), owner, { title: 'Q3 audit' })).id;
      await grantPermission(t.app.getHttpServer(), owner, casefileId, viewer.id, 'viewer');
    });

    it('creates one with its title and provider, in a casefile the caller may edit', async () => {
      const chat = await newChat(owner, { casefile_id: casefileId, title: 'Findings' });
      expect(chat).toMatchObject({
        user_id: owner.id,
        casefile_id: casefileId,
        title: 'Findings',
        status: 'active',
        provider: 'builtin',
        model: 'builtin-1',
        message_count: 0,
        closed_at: null,
      });
      const byViewer = await api()
        .post('/v1/chat/sessions')
        .set('Authorization', bearer(viewer))
        .send({ casefile_id: casefileId });
      expect(byViewer.status).toBe(403);
      const byStranger = await api()
        .post('/v1/chat/sessions')
        .set('Authorization', bearer(stranger))
        .send({ casefile_id: casefileId });
      expect(byStranger.status).toBe(404);
      const casefile = await api()
        .get(`/v1/casefiles/${casefileId}`)
        .set('Authorization', bearer(owner))
        .expect(200);
      expect(casefile.body.data.counts.chat_sessions).toBeGreaterThanOrEqual(1);
    });

    it('is read by its creator and the casefile’s viewers; strangers and admins get 404 NF_CHAT_SESSION', async () => {
      const chat = await newChat(owner, { casefile_id: casefileId });
      for (const reader of [owner, viewer]) {
        const res = await api()
          .get(`/v1/chat/sessions/${chat.id}`)
          .set('Authorization', bearer(reader))
          .expect(200);
        expect(res.body.meta.session_id).toBe(chat.id);
      }
      for (const outsider of [stranger, admin]) {
        const res = await api()
          .get(`/v1/chat/sessions/${chat.id}`)
          .set('Authorization', bearer(outsider));
        expect(res.status).toBe(404);
        expect(res.body.errors[0].code).toBe('NF_CHAT_SESSION');
      }
      // a tool session is not a chat session
      const tool = await api()
        .post('/v1/tool-sessions')
        .set('Authorization', bearer(owner))
        .send({})
        .expect(201);
      const wrongKind = await api()
        .get(`/v1/chat/sessions/${tool.body.data.id}`)
        .set('Authorization', bearer(owner));
      expect(wrongKind.status).toBe(404);
      const byViewer = await say(viewer, chat.id, 'hello');
      expect(byViewer.status).toBe(403);
    });

    it('lists the caller’s chat sessions with their message counts, and closes one twice alike', async () => {
      const me = await newUser();
      const a = await newChat(me);
      await say(me, a.id, 'hello').expect(201);
      const b = await newChat(me);
      const list = await api()
        .get('/v1/chat/sessions')
        .set('Authorization', bearer(me))
        .expect(200);
      expect(
        (list.body.data.items as Json[]).map((s) => [s.id as string, s.message_count as number]),
      ).toEqual([
        [b.id, 0],
        [a.id, 2],
      ]);
      const first = await api()
        .post(`/v1/chat/sessions/${a.id}/close`)
        .set('Authorization', bearer(me))
        .expect(200);
      const second = await api()
        .post(`/v1/chat/sessions/${a.id}/close`)
        .set('Authorization', bearer(me))
        .expect(200);
      expect(second.body.data).toEqual(first.body.data);
      expect(first.body.data.status).toBe('closed');
      expect((await say(me, a.id, 'again')).status).toBe(422);
    });

    it('joins a casefile like a tool session: then its viewers read it and it counts there', async () => {
      const chat = await newChat(owner);
      expect(chat.casefile_id).toBeNull();
      const casefile = await createCasefile(t.app.getHttpServer(), owner, { title: 'Later' });
      await grantPermission(t.app.getHttpServer(), owner, casefile.id, viewer.id, 'viewer');
      const before = await api()
        .get(`/v1/chat/sessions/${chat.id}`)
        .set('Authorization', bearer(viewer));
      expect(before.status).toBe(404);
      const attached = await api()
        .post(`/v1/casefiles/${casefile.id}/sessions`)
        .set('Authorization', bearer(owner))
        .send({ session_id: chat.id })
        .expect(200);
      expect(attached.body.data).toMatchObject({
        id: chat.id,
        kind: 'chat',
        casefile_id: casefile.id,
      });
      const read = await api()
        .get(`/v1/chat/sessions/${chat.id}`)
        .set('Authorization', bearer(viewer))
        .expect(200);
      expect(read.body.data.casefile_id).toBe(casefile.id);
      const counted = await api()
        .get(`/v1/casefiles/${casefile.id}`)
        .set('Authorization', bearer(owner))
        .expect(200);
      expect(counted.body.data.counts).toMatchObject({ chat_sessions: 1, tool_sessions: 0 });
    });
  });

  describe('turns', () => {
    let user: User;
    beforeAll(async () => (user = await newUser()));

    it('answers a plain message with an account of the casefile', async () => {
      const casefile = await createCasefile(t.app.getHttpServer(), user, { title: 'Vendors' });
      const chat = await newChat(user, { casefile_id: casefile.id });
      const res = await say(user, chat.id, 'what is in here?').expect(201);
      expect(roles(res.body.data.messages as Json[])).toEqual(['user', 'assistant']);
      const answer = res.body.data.messages[1].content as string;
      expect(answer).toContain('Casefile "Vendors" holds 0 tool sessions, 1 chat sessions');
      expect(res.body.data.turn_id).toBe(res.body.data.messages[0].turn_id);
      expect(res.body.meta).toMatchObject({
        operation: 'process_chat_request',
        session_id: chat.id,
      });
    });

    it('runs a tool call through the tool path and answers with what it returned', async () => {
      const chat = await newChat(user);
      const res = await say(user, chat.id, '/tool text.stats {"text": "a b a"}').expect(201);
      const messages = res.body.data.messages as Json[];
      expect(roles(messages)).toEqual(['user', 'assistant', 'tool', 'assistant']);
      expect(messages[1].tool_calls).toEqual([
        { id: expect.any(String), name: 'text.stats', arguments: '{"text": "a b a"}' },
      ]);
      expect(messages[2].tool_call_id).toBe(messages[1].tool_calls[0].id);
      expect(toolAnswer(messages)).toMatchObject({
        status: 'succeeded',
        result: {
          words: 3,
          top_words: [
            { word: 'a', count: 2 },
            { word: 'b', count: 1 },
          ],
        },
        error: null,
      });
      expect(messages[3].content).toContain('text.stats returned');
      // recorded as a tool request of the chat session, like any other
      const recorded = await db.query<Json[]>(
        'SELECT tool, status FROM tool_requests WHERE session_id = $1',
        [chat.id],
      );
      expect(recorded).toEqual([{ tool: 'text.stats', status: 'succeeded' }]);
    });

    it.each([
      ['an unknown tool', '/tool no.such {}', 'NF_TOOL'],
      ['arguments that are not JSON', '/tool text.stats {text:', 'VAL_TOOL_PARAMETERS'],
      ['arguments against the schema', '/tool text.stats {"text": 5}', 'VAL_TOOL_PARAMETERS'],
      ['a tool that throws', '/tool test.throw {}', 'TOOL_FAILED'],
      ['a tool past its timeout', '/tool test.spin {"forever": true}', 'TOOL_TIMEOUT'],
    ])(
      'answers %s to the model as a tool error, never a failed turn',
      async (_what, content, code) => {
        const chat = await newChat(user);
        const res = await say(user, chat.id, content).expect(201);
        const messages = res.body.data.messages as Json[];
        expect(roles(messages)).toEqual(['user', 'assistant', 'tool', 'assistant']);
        expect(toolAnswer(messages)).toMatchObject({ status: 'failed', error: { code } });
        expect(messages[3].content).toContain(code);
      },
    );

    it('keeps the history, oldest first, with cursors', async () => {
      const chat = await newChat(user);
      await say(user, chat.id, 'first').expect(201);
      await say(user, chat.id, '/tool math.evaluate {"expression": "6*7"}').expect(201);
      const page1 = await api()
        .get(`/v1/chat/sessions/${chat.id}/messages?limit=3&include_total=true`)
        .set('Authorization', bearer(user))
        .expect(200);
      const page2 = await api()
        .get(`/v1/chat/sessions/${chat.id}/messages?limit=3&cursor=${page1.body.data.next_cursor}`)
        .set('Authorization', bearer(user))
        .expect(200);
      const all = [...page1.body.data.items, ...page2.body.data.items] as Json[];
      expect(roles(all)).toEqual(['user', 'assistant', 'user', 'assistant', 'tool', 'assistant']);
      expect(all[0].content).toBe('first');
      expect(page1.body.data.total).toBe(6);
      expect(JSON.parse(all[4].content as string)).toMatchObject({ result: { value: 42 } });
    });

    it('refuses a second turn while one runs (409 CF_SESSION_BUSY)', async () => {
      const chat = await newChat(user);
      const first = say(user, chat.id, '/tool test.spin {"ms": 700}').then((res) => res);
      for (let i = 0; i < 100; i++) {
        const rows = await db.query<Json[]>('SELECT busy_token FROM sessions WHERE id = $1', [
          chat.id,
        ]);
        if (rows[0].busy_token !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const second = await say(user, chat.id, 'hello');
      expect(second.status).toBe(409);
      expect(second.body.errors[0].code).toBe('CF_SESSION_BUSY');
      expect((await first).status).toBe(201);
    });

    it('runs in the session bound in the token, and in its replacement once it expired', async () => {
      const chat = await newChat(user, { title: 'Bound' });
      const token = (
        await api()
          .post('/v1/auth/session-token')
          .set('Authorization', bearer(user))
          .send({ session_id: chat.id })
          .expect(200)
      ).body.data.access_token as string;
      const current = (content: string) =>
        api()
          .post('/v1/chat/sessions/current/messages')
          .set('Authorization', bearer(token))
          .send({ content });
      const res = await current('hello').expect(201);
      expect(res.body.meta.session_id).toBe(chat.id);
      await db.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [
        chat.id,
      ]);
      const recreated = await current('hello again').expect(201);
      const newId = recreated.body.meta.session_id as string;
      expect(newId).not.toBe(chat.id);
      expect(recreated.body.meta.session_recreated).toBe(true);
      const replacement = await api()
        .get(`/v1/chat/sessions/${newId}`)
        .set('Authorization', bearer(user))
        .expect(200);
      expect(replacement.body.data).toMatchObject({ title: 'Bound', provider: 'builtin' });
      // a tool session's token is no chat session's
      const tool = await api()
        .post('/v1/tool-sessions')
        .set('Authorization', bearer(user))
        .send({})
        .expect(201);
      const toolToken = (
        await api()
          .post('/v1/auth/session-token')
          .set('Authorization', bearer(user))
          .send({ session_id: tool.body.data.id })
          .expect(200)
      ).body.data.access_token as string;
      const wrong = await api()
        .post('/v1/chat/sessions/current/messages')
        .set('Authorization', bearer(toolToken))
        .send({ content: 'x' });
      expect(wrong.status).toBe(422);
    });

    it('counts turns and their duration, and audits each turn', async () => {
      const chat = await newChat(user);
      const read = metricsReader(
        async () => (await api().get('/metrics').expect(200)).text,
        [
          'chat_messages_total{provider="builtin",status="succeeded"}',
          'chat_turn_duration_seconds_count{provider="builtin"}',
        ],
      );
      const before = await read();
      const res = await say(user, chat.id, '/tool text.stats {"text": "x"}').expect(201);
      const after = await read();
      expect(after.map((value, i) => value - before[i])).toEqual([1, 1]);
      const events = await db.query<Json[]>(
        "SELECT * FROM audit_events WHERE request_id = $1 AND operation = 'process_chat_request'",
        [res.headers['x-request-id']],
      );
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        status: 'success',
        resource_type: 'chat_turn',
        resource_id: res.body.data.turn_id,
        details: expect.objectContaining({ session_id: chat.id, messages: 4 }),
      });
    });

    it('refuses an empty message or one over 32 000 characters', async () => {
      const chat = await newChat(user);
      expect((await say(user, chat.id, '')).status).toBe(400);
      expect((await say(user, chat.id, 'x'.repeat(32_001))).status).toBe(400);
    });
  });
});
