import request from 'supertest';
import { createCasefile, grantPermission } from '../factories/casefiles';
import { openSession } from '../factories/sessions';
import { bearer, loggedInUser, type TokenPair } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';

type User = TokenPair & { id: string };

/**
 * Issue 21, finding 10: an Idempotency-Key belongs to one caller on one path (its ids included),
 * and a replay meets every check its request would — the session's state, the casefile's access.
 */
describe('Idempotency-Key scoped to the request (issue 21)', () => {
  let t: TestApp;
  const api = () => request(t.app.getHttpServer());
  const body = { tool: 'text.stats', parameters: { text: 'same body' } };

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const newUser = (): Promise<User> => loggedInUser(t.app.getHttpServer());
  const toolRequest = (user: User, sessionId: string, key: string) =>
    api()
      .post(`/v1/tool-sessions/${sessionId}/requests`)
      .set('Authorization', bearer(user))
      .set('Idempotency-Key', key)
      .send(body);

  it('never replays a key from one session on another: a closed one answers 422', async () => {
    const user = await newUser();
    const s1 = await openSession(t.app.getHttpServer(), user, 'tool');
    const s2 = await openSession(t.app.getHttpServer(), user, 'tool');
    await api()
      .post(`/v1/tool-sessions/${s2.id}/close`)
      .set('Authorization', bearer(user))
      .expect(200);
    await toolRequest(user, s1.id, 'k-sessions').expect(201);
    const res = await toolRequest(user, s2.id, 'k-sessions');
    expect(res.status).toBe(422);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(res.body.errors[0].code).toBe('BR_SESSION_CLOSED');
  });

  it('runs the same key on another open session as a request of its own', async () => {
    const user = await newUser();
    const s1 = await openSession(t.app.getHttpServer(), user, 'tool');
    const s3 = await openSession(t.app.getHttpServer(), user, 'tool');
    const first = await toolRequest(user, s1.id, 'k-paths').expect(201);
    const other = await toolRequest(user, s3.id, 'k-paths').expect(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(other.body.data.session_id).toBe(s3.id);
    expect(other.body.data.id).not.toBe(first.body.data.id);
  });

  it('meets the session check on a replay: a key retried after the session closed is 422', async () => {
    const user = await newUser();
    const session = await openSession(t.app.getHttpServer(), user, 'tool');
    await toolRequest(user, session.id, 'k-closed').expect(201);
    const replay = await toolRequest(user, session.id, 'k-closed').expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    // the replay held and gave back the session: the next request is not 409
    await api()
      .post(`/v1/tool-sessions/${session.id}/requests`)
      .set('Authorization', bearer(user))
      .send(body)
      .expect(201);
    await api()
      .post(`/v1/tool-sessions/${session.id}/close`)
      .set('Authorization', bearer(user))
      .expect(200);
    const late = await toolRequest(user, session.id, 'k-closed');
    expect(late.status).toBe(422);
    expect(late.body.errors[0].code).toBe('BR_SESSION_CLOSED');
  });

  it('meets the casefile check on a replay: an editor whose access was revoked gets 404', async () => {
    const owner = await newUser();
    const editor = await newUser();
    const server = t.app.getHttpServer();
    const casefile = await createCasefile(server, owner, { title: 'shared' });
    await grantPermission(server, owner, casefile.id, editor.id, 'editor');
    const open = () =>
      api()
        .post('/v1/tool-sessions')
        .set('Authorization', bearer(editor))
        .set('Idempotency-Key', 'k-revoked')
        .send({ casefile_id: casefile.id });
    await open().expect(201);
    expect((await open().expect(201)).headers['idempotent-replayed']).toBe('true');
    await api()
      .delete(`/v1/casefiles/${casefile.id}/permissions/${editor.id}`)
      .set('Authorization', bearer(owner))
      .expect(204);
    const res = await open();
    expect(res.status).toBe(404);
    expect(res.body.errors[0].code).toBe('NF_CASEFILE');
  });
});
