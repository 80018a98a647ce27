import { Socket } from 'node:net';
import { ClsServiceManager } from 'nestjs-cls';
import { Client } from 'pg';
import request from 'supertest';
import { hasUnansweredStatement } from '../../src/platform/overrides/pipelined-transactions';
import { createCasefile } from '../factories/casefiles';
import { bearer, login, registerUser } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';
import { testDatabaseUrl } from '../support/test-database';

/**
 * SQL round trips per route, counted at node-postgres: a statement sent while another is still
 * waiting for its answer on the same connection (pipeline mode) shares that round trip. The
 * figures of the request path, pinned so that a regression — one more query on a read, a write
 * that grew a round trip — fails here. Only statements issued inside the request count (by its
 * request id), so background work and the database heartbeat do not blur the figure.
 */
describe('SQL round trips per route', () => {
  let t: TestApp;
  let auth: string;
  let casefileId: string;
  /** Per request id: its round trips, each the statements sent in it (their first word). */
  const trips = new Map<string, string[][]>();
  const originalQuery = Client.prototype.query;
  /** Per request id: how many socket writes its statements took (one per round trip is the aim). */
  const writes = new Map<string, number>();
  const databasePort = Number(new URL(testDatabaseUrl()).port || 5432);
  type WriteMethod = (this: Socket, ...args: unknown[]) => unknown;
  const socket = Socket.prototype as unknown as Record<'_write' | '_writev', WriteMethod>;
  const originalWrites = { _write: socket._write, _writev: socket._writev };

  beforeAll(async () => {
    t = await createTestApp();
    const user = await registerUser(t.app.getHttpServer());
    const tokens = await login(t.app.getHttpServer(), user);
    auth = bearer(tokens);
    casefileId = (await createCasefile(t.app.getHttpServer(), tokens)).id;
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      const cls = ClsServiceManager.getClsService();
      const id = cls.isActive() ? cls.getId() : undefined;
      if (typeof id === 'string' && id.startsWith('rt-')) {
        const config = args[0] as string | { text: string };
        const verb = (typeof config === 'string' ? config : config.text).trim().split(/\s+/)[0];
        const ofRequest = trips.get(id) ?? [];
        if (hasUnansweredStatement(this) && ofRequest.length > 0)
          ofRequest[ofRequest.length - 1].push(verb);
        else ofRequest.push([verb]);
        trips.set(id, ofRequest);
      }
      return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query;
    for (const method of ['_write', '_writev'] as const) {
      socket[method] = function (this: Socket, ...args: unknown[]) {
        const cls = ClsServiceManager.getClsService();
        const id = cls.isActive() ? cls.getId() : undefined;
        if (typeof id === 'string' && id.startsWith('rt-') && this.remotePort === databasePort) {
          writes.set(id, (writes.get(id) ?? 0) + 1);
        }
        return originalWrites[method].apply(this, args);
      };
    }
  });
  afterAll(async () => {
    Client.prototype.query = originalQuery;
    Object.assign(socket, originalWrites);
    await t.close();
  });

  /** Runs the request twice (the first warms caches and prepared statements), counts the second. */
  const count = async (id: string, send: (http: ReturnType<typeof request>) => request.Test) => {
    const http = request(t.app.getHttpServer());
    await send(http).set('X-Request-ID', `${id}-warm`);
    const res = await send(http).set('X-Request-ID', id);
    expect(res.status).toBeLessThan(300);
    return trips.get(id) ?? [];
  };

  it('an authenticated read is one round trip: casefile, level and counts in one statement', async () => {
    const sent = await count('rt-get', (http) =>
      http.get(`/v1/casefiles/${casefileId}`).set('Authorization', auth),
    );
    expect(sent).toEqual([['SELECT']]);
  });

  it('the list is one round trip (no total unless asked)', async () => {
    const sent = await count('rt-list', (http) =>
      http.get('/v1/casefiles').set('Authorization', auth),
    );
    expect(sent).toEqual([['SELECT']]);
  });

  it('a create is two round trips: BEGIN with the insert, the audit event with COMMIT', async () => {
    const sent = await count('rt-create', (http) =>
      http.post('/v1/casefiles').set('Authorization', auth).send({ title: 'counted' }),
    );
    expect(sent).toEqual([
      ['BEGIN', 'INSERT'],
      ['INSERT', 'COMMIT'],
    ]);
    expect(writes.get('rt-create')).toBe(2);
  });

  it('an update is three: BEGIN with the access check, the update, the audit event with COMMIT', async () => {
    const sent = await count('rt-update', (http) =>
      http
        .patch(`/v1/casefiles/${casefileId}`)
        .set('Authorization', auth)
        .send({ description: `counted ${Math.random()}` }),
    );
    expect(sent).toEqual([['BEGIN', 'SELECT'], ['UPDATE'], ['INSERT', 'COMMIT']]);
  });

  it('a tool request is two: the session with its busy lease, then everything it wrote with COMMIT', async () => {
    const session = await request(t.app.getHttpServer())
      .post('/v1/tool-sessions')
      .set('Authorization', auth)
      .send({})
      .expect(201);
    const sent = await count('rt-tool', (http) =>
      http
        .post(`/v1/tool-sessions/${session.body.data.id}/requests`)
        .set('Authorization', auth)
        .send({ tool: 'text.stats', parameters: { text: 'counted' } }),
    );
    // the record, the audit event, and the session's release and activity go with the COMMIT
    expect(sent).toEqual([['WITH'], ['BEGIN', 'INSERT', 'INSERT', 'UPDATE', 'COMMIT']]);
    // and each round trip leaves in one socket write (node-postgres alone writes per statement)
    expect(writes.get('rt-tool')).toBe(2);
  });

  it('a session read is one round trip: the session and the caller’s level in one statement', async () => {
    const session = await request(t.app.getHttpServer())
      .post('/v1/tool-sessions')
      .set('Authorization', auth)
      .send({})
      .expect(201);
    const sent = await count('rt-session', (http) =>
      http.get(`/v1/tool-sessions/${session.body.data.id}`).set('Authorization', auth),
    );
    // the activity moved forward after the read is its own (no transaction to ride on)
    expect(sent).toEqual([['SELECT'], ['UPDATE']]);
  });
});
