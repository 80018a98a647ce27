import { DataSource } from 'typeorm';
import type { Actor } from '../../src/core/hub/actor';
import { CasefilesService } from '../../src/modules/casefiles';
import { ChatService } from '../../src/modules/chat/chat.service';
import type { ChatTurnDto } from '../../src/modules/chat/dto/chat.dto';
import { ChatTurnsService } from '../../src/modules/chat/turns/chat-turns.service';
import type { Session } from '../../src/modules/sessions';
import { SessionResolver } from '../../src/modules/sessions/session-resolver';
import { ToolRunner } from '../../src/modules/tool-sessions/execution/tool-runner';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * Chat turns with the built-in model, the real tool path and PostgreSQL, no HTTP: every message
 * stored as it comes, tool calls run as tool requests, and a failed turn kept as far as it got.
 */
describe('Chat turns (service level)', () => {
  let t: TestContext;
  let turns: ChatTurnsService;
  let db: DataSource;
  let actor: Actor;

  beforeAll(async () => {
    t = await createTestContext();
    await t.get(ToolRunner).warmedUp;
    turns = t.get(ChatTurnsService);
    db = t.get(DataSource);
    actor = await t.newActor();
  });
  afterAll(() => t.close());

  /** A new chat session of the actor's (optionally in a new casefile), held as a turn holds it. */
  const newChat = async (inCasefile = false): Promise<Session> => {
    const casefileId = inCasefile
      ? (await t.inTransaction(() => t.get(CasefilesService).create(actor, { title: 'Deals' }))).id
      : undefined;
    const chat = await t.inTransaction(() =>
      t.get(ChatService).create(actor, { casefile_id: casefileId }),
    );
    // as a request to take a turn finds it: resolved for `run`, its busy lease held
    const resolved = await t.run(() =>
      t.get(SessionResolver).resolve(actor, { kind: 'chat', access: 'run' }, chat.id),
    );
    return resolved.session;
  };
  const take = (session: Session, content: string) =>
    t.run(() => turns.take(actor, session, content, 'json') as Promise<ChatTurnDto>);
  const stored = async (sessionId: string) =>
    db.query<{ role: string; tool_call_id: string | null }[]>(
      'SELECT role, tool_call_id FROM chat_messages WHERE session_id = $1 ORDER BY created_at, id',
      [sessionId],
    );

  it('stores the user message and the answer, and answers them in order', async () => {
    const session = await newChat(true);
    const turn = await take(session, 'hello');
    expect(turn.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(turn.messages[1].content).toContain('Deals');
    expect((await stored(session.id)).map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it("runs the model's tool call as a tool request of the session and answers with its result", async () => {
    const session = await newChat();
    const turn = await take(session, '/tool text.stats {"text": "one two three"}');
    expect(turn.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    const [request] = await db.query<{ tool: string; status: string }[]>(
      'SELECT tool, status FROM tool_requests WHERE session_id = $1',
      [session.id],
    );
    expect(request).toEqual({ tool: 'text.stats', status: 'succeeded' });
    expect(turn.messages[3].content).toContain('"words":3');
  });

  it('answers a refused tool call to the model instead of failing the turn', async () => {
    const session = await newChat();
    const turn = await take(session, '/tool no.such {}');
    expect(turn.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(turn.messages[3].content).toContain('NF_TOOL');
    const requests = await db.query('SELECT 1 FROM tool_requests WHERE session_id = $1', [
      session.id,
    ]);
    expect(requests).toHaveLength(0);
  });
});
