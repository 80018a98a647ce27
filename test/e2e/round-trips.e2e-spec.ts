import { ClsServiceManager } from 'nestjs-cls';
import { Client } from 'pg';
import request from 'supertest';
import { createCasefile } from '../factories/casefiles';
import { bearer, login, registerUser } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * SQL round trips per route, counted at node-postgres (every statement is one round trip): the
 * figures of the request path, pinned so that a regression — one more query on a read, a write
 * that grew a statement — fails here. Only statements issued inside the request are counted (by
 * its request id), so background work and the database heartbeat do not blur the figure.
 */
describe('SQL round trips per route', () => {
  let t: TestApp;
  let auth: string;
  let casefileId: string;
  const statements = new Map<string, string[]>();
  const originalQuery = Client.prototype.query;

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
        const text = typeof config === 'string' ? config : config.text;
        statements.set(id, [...(statements.get(id) ?? []), text.trim().split(/\s+/)[0]]);
      }
      return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query;
  });
  afterAll(async () => {
    Client.prototype.query = originalQuery;
    await t.close();
  });

  /** Runs the request twice (the first warms caches and prepared statements), counts the second. */
  const count = async (id: string, send: (http: ReturnType<typeof request>) => request.Test) => {
    const http = request(t.app.getHttpServer());
    await send(http).set('X-Request-ID', `${id}-warm`);
    const res = await send(http).set('X-Request-ID', id);
    expect(res.status).toBeLessThan(300);
    return statements.get(id) ?? [];
  };

  it('an authenticated read is one round trip: casefile, level and counts in one statement', async () => {
    const sent = await count('rt-get', (http) =>
      http.get(`/v1/casefiles/${casefileId}`).set('Authorization', auth),
    );
    expect(sent).toEqual(['SELECT']);
  });

  it('the list is one round trip (no total unless asked)', async () => {
    const sent = await count('rt-list', (http) =>
      http.get('/v1/casefiles').set('Authorization', auth),
    );
    expect(sent).toEqual(['SELECT']);
  });

  it('a create is BEGIN, the insert, its audit event, COMMIT', async () => {
    const sent = await count('rt-create', (http) =>
      http.post('/v1/casefiles').set('Authorization', auth).send({ title: 'counted' }),
    );
    expect(sent).toEqual(['START', 'INSERT', 'INSERT', 'COMMIT']);
  });

  it('an update is BEGIN, the access check, the update, its audit event, COMMIT', async () => {
    const sent = await count('rt-update', (http) =>
      http
        .patch(`/v1/casefiles/${casefileId}`)
        .set('Authorization', auth)
        .send({ description: `counted ${Math.random()}` }),
    );
    expect(sent).toEqual(['START', 'SELECT', 'UPDATE', 'INSERT', 'COMMIT']);
  });
});
