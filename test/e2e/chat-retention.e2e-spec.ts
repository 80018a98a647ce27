import { DataSource } from 'typeorm';
import { openSession } from '../factories/sessions';
import { bearer, loggedInUser, type TokenPair } from '../factories/users';
import { TurnEventsSweeper } from '../../src/modules/chat/turns/turn-events-sweeper';
import { openSse } from '../support/sse';
import { createTestApp, type TestApp } from '../support/test-app';

type User = TokenPair & { id: string };

/** The retention of streamed turns' events (CHAT_TURN_EVENTS_RETENTION_SECONDS). */
describe('Chat turn events retention', () => {
  let t: TestApp;
  let db: DataSource;
  let owner: User;

  beforeAll(async () => {
    t = await createTestApp({ env: { CHAT_TURN_EVENTS_RETENTION_SECONDS: '3600' } });
    db = t.app.get(DataSource);
    owner = await loggedInUser(t.app.getHttpServer());
  });
  afterAll(() => t.close());

  const streamedTurn = async (chat: string, content: string): Promise<string> => {
    const stream = await openSse(t.app.getHttpServer(), `/v1/chat/sessions/${chat}/messages`, {
      method: 'POST',
      headers: { authorization: bearer(owner) },
      body: { content },
    });
    const events = await stream.until('done');
    return events[0].data.turn_id as string;
  };
  const resume = (chat: string, turnId: string) =>
    openSse(t.app.getHttpServer(), `/v1/chat/sessions/${chat}/turns/${turnId}/events`, {
      headers: { authorization: bearer(owner) },
    });
  const eventCount = async (turnId: string) =>
    (
      await db.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM chat_turn_events WHERE turn_id = $1',
        [turnId],
      )
    )[0].n;

  it('deletes the events of turns that started before the retention, whole, and keeps the others', async () => {
    const chat = (await openSession(t.app.getHttpServer(), owner, 'chat')).id as string;
    const old = await streamedTurn(chat, '/tool text.stats {"text": "long ago"}');
    const recent = await streamedTurn(chat, 'hello');
    const recentEvents = await eventCount(recent);
    expect(await eventCount(old)).toBeGreaterThan(5);
    // the old turn began two hours ago (a turn is swept by its first event, whatever came later)
    await db.query(
      `UPDATE chat_turn_events
          SET created_at = now() - CASE WHEN seq = 1 THEN interval '2 hours' ELSE interval '30 minutes' END
        WHERE turn_id = $1`,
      [old],
    );

    await t.app.get(TurnEventsSweeper).sweep();

    expect(await eventCount(old)).toBe(0);
    expect(await eventCount(recent)).toBe(recentEvents);
    const swept = await resume(chat, old);
    expect(swept.status).toBe(404);
    expect(swept.body!.errors[0]).toMatchObject({
      code: 'NF_CHAT_SESSION',
      details: { reason: 'unknown_turn' },
    });
    const kept = await resume(chat, recent);
    expect(kept.status).toBe(200);
    expect((await kept.until('done')).length).toBe(recentEvents);
    // the messages are the session's history, not events: they stay
    const [{ n }] = await db.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM chat_messages WHERE turn_id = $1',
      [old],
    );
    expect(n).toBe(4);
  });

  it('deletes a backlog in batches within one sweep', async () => {
    const chat = (await openSession(t.app.getHttpServer(), owner, 'chat')).id as string;
    // 250 turns of three events each, from a month ago (more than one batch)
    await db.query(
      `INSERT INTO chat_turn_events (turn_id, seq, session_id, event, data, created_at)
       SELECT turn_id, seq, $1, 'message.created', '{}'::jsonb, now() - interval '30 days'
         FROM (SELECT gen_random_uuid() AS turn_id FROM generate_series(1, 250)) turns,
              generate_series(1, 3) AS seq`,
      [chat],
    );
    const deleted = await t.app.get(TurnEventsSweeper).sweep();
    expect(deleted).toBeGreaterThan(0); // another instance's sweep may have taken some of them
    const [{ n }] = await db.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM chat_turn_events WHERE session_id = $1',
      [chat],
    );
    expect(n).toBe(0);
  });
});
