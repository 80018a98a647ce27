import request from 'supertest';
import { DataSource } from 'typeorm';
import { BackgroundWork } from '../../src/core/hub/background';
import { GoogleConnectionsService } from '../../src/modules/google';
import { bearer, loggedInUser, type TokenPair } from '../factories/users';
import { FakeGoogle } from '../support/fake-google';
import { createTestApp, type TestApp } from '../support/test-app';

type User = TokenPair & { id: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const RETURN_URL = 'https://app.example.test/google';

interface Connection {
  id: string;
  email: string | null;
  scopes: string[];
  status: string;
  created_at: string;
  last_used_at: string | null;
}

/**
 * Google connections (API.md §7.1) through the real routes and google-auth-library's OAuth2Client,
 * against a server that speaks Google's OAuth 2.0 (consent redirect, token endpoint with PKCE
 * verification, refresh, `invalid_grant`, revoke). The browser's part is played by the test:
 * it follows the authorization URL and brings the redirect back to the callback.
 */
describe('Google connections (API.md §7.1)', () => {
  let t: TestApp;
  let google: FakeGoogle;
  let user: User;
  const api = () => request(t.app.getHttpServer());

  beforeAll(async () => {
    google = await FakeGoogle.start();
    t = await createTestApp({
      env: { ...google.oauthEnv(RETURN_URL), GOOGLE_API_BASE_URL: google.baseUrl },
    });
    user = await loggedInUser(t.app.getHttpServer());
  });
  afterAll(async () => {
    await t.close();
    await google.close();
  });

  const start = async (as: User = user, returnUrl = `${RETURN_URL}/done?tab=sources`) => {
    const res = await api()
      .post('/v1/google/connections')
      .set('Authorization', bearer(as))
      .send({ return_url: returnUrl })
      .expect(201);
    return res.body.data as Json;
  };
  /** The browser at Google: consent given, sent back to our callback (path and query). */
  const consent = async (authorizationUrl: string) => {
    const res = await fetch(authorizationUrl, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.origin + back.pathname).toBe('https://hub.example.test/v1/google/oauth/callback');
    return `${back.pathname}${back.search}`;
  };
  /** The user's client, back at its return URL: confirms what the callback put there. */
  const confirm = (as: User, id: string, confirmation: string) =>
    api()
      .post(`/v1/google/connections/${id}/confirm`)
      .set('Authorization', bearer(as))
      .send({ confirmation });
  const connect = async (as: User = user) => {
    const started = await start(as);
    const callback = await consent(started.authorization_url as string);
    const res = await api().get(callback).expect(302);
    const back = new URL(res.headers.location);
    await confirm(as, started.id as string, back.searchParams.get('confirmation')!).expect(200);
    return { id: started.id as string, callback };
  };
  const list = async (as: User = user) =>
    (await api().get('/v1/google/connections').set('Authorization', bearer(as)).expect(200)).body
      .data.items as Connection[];

  it('connects an account: PKCE, state and offline access at Google; the browser comes back with the connection', async () => {
    const started = await start();
    expect(started).toMatchObject({ status: 'pending', email: null, scopes: [] });
    const authorization = new URL(started.authorization_url as string);
    expect(authorization.pathname).toBe('/o/oauth2/v2/auth');
    expect(Object.fromEntries(authorization.searchParams)).toMatchObject({
      client_id: google.oauth.clientId,
      redirect_uri: 'https://hub.example.test/v1/google/oauth/callback',
      response_type: 'code',
      access_type: 'offline',
      code_challenge_method: 'S256',
      prompt: 'consent',
    });
    expect(authorization.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(authorization.searchParams.get('scope')).toContain('gmail.readonly');

    const res = await api()
      .get(await consent(started.authorization_url as string))
      .expect(302);
    const back = new URL(res.headers.location);
    expect(`${back.origin}${back.pathname}`).toBe(`${RETURN_URL}/done`);
    expect(back.searchParams.get('tab')).toBe('sources'); // the client's own query is kept
    expect(back.searchParams.get('connection_id')).toBe(started.id);
    const confirmation = back.searchParams.get('confirmation')!;
    expect(confirmation).toMatch(/^[\w-]{43}$/);
    // nothing is connected before the user's own client confirms it
    expect((await list()).find((item) => item.id === started.id)?.status).toBe('pending');
    const confirmed = await confirm(user, started.id as string, confirmation).expect(200);
    expect(confirmed.body.data).toMatchObject({ id: started.id, status: 'active' });

    const [listed] = (await list()).filter((item) => item.id === started.id);
    expect(listed).toMatchObject({ status: 'active', email: google.oauth.email });
    expect(listed.scopes).toEqual(expect.arrayContaining(['openid', 'email']));
    expect(listed.scopes).toHaveLength(5);
    expect(Object.keys(listed).sort()).toEqual(
      ['created_at', 'email', 'id', 'last_used_at', 'scopes', 'status'].sort(),
    );
  });

  it('keeps the refresh token sealed, and no state or verifier once active', async () => {
    const { id } = await connect();
    const [row] = await t.app
      .get(DataSource)
      .query<Json[]>('SELECT * FROM google_connections WHERE id = $1', [id]);
    const issued = [...google.oauth.grants.keys()];
    expect(row.refresh_token).toEqual(expect.any(String));
    for (const token of issued) expect(JSON.stringify(row)).not.toContain(token);
    expect(row).toMatchObject({ state_hash: null, code_verifier: null });
  });

  it('honours a state once: a replayed callback is refused, and so is a state never issued', async () => {
    const { callback } = await connect();
    const replay = await api().get(callback).expect(400);
    expect(replay.body.errors[0]).toMatchObject({ code: 'VAL_FAILED' });
    expect(JSON.stringify(replay.body)).toContain('state');
    await api().get('/v1/google/oauth/callback?code=4%2Fx&state=never-issued').expect(400);
    await api().get('/v1/google/oauth/callback?code=4%2Fx').expect(400);
  });

  it('refuses a state past its ten minutes', async () => {
    const started = await start();
    await t.app
      .get(DataSource)
      .query(
        `UPDATE google_connections SET created_at = now() - interval '11 minutes' WHERE id = $1`,
        [started.id],
      );
    await api()
      .get(await consent(started.authorization_url as string))
      .expect(400);
    expect((await list()).map((item) => item.id)).not.toContain(started.id);
  });

  it('sends the browser back with an error when the user declines, and keeps nothing', async () => {
    const started = await start();
    const state = new URL(started.authorization_url as string).searchParams.get('state')!;
    const res = await api()
      .get('/v1/google/oauth/callback')
      .query({ error: 'access_denied', state })
      .expect(302);
    expect(new URL(res.headers.location).searchParams.get('error')).toBe('access_denied');
    expect((await list()).map((item) => item.id)).not.toContain(started.id);
  });

  it("a flow consented to in another user's browser connects nobody (a consent link sent to a victim)", async () => {
    const attacker = user;
    const victim = await loggedInUser(t.app.getHttpServer());
    const started = await start(attacker);
    const grantsBefore = google.oauth.grants.size;
    // the victim's browser consents and comes back to the (allow-listed) client, signed in as the victim
    const res = await api()
      .get(await consent(started.authorization_url as string))
      .expect(302);
    const confirmation = new URL(res.headers.location).searchParams.get('confirmation')!;
    const asVictim = await confirm(victim, started.id as string, confirmation).expect(404);
    expect(asVictim.body.errors[0].code).toBe('NF_GOOGLE_CONNECTION');
    // the attacker never sees the confirmation; guessing does not do
    await confirm(attacker, started.id as string, 'x'.repeat(43)).expect(404);
    expect((await list(attacker)).find((item) => item.id === started.id)?.status).toBe('pending');
    expect((await list(victim)).map((item) => item.id)).not.toContain(started.id);
    expect(google.oauth.grants.size).toBe(grantsBefore); // the code was never exchanged
  });

  it('a confirmation is good once; a code Google refuses answers 502 and keeps nothing', async () => {
    const started = await start();
    const res = await api()
      .get(await consent(started.authorization_url as string))
      .expect(302);
    const confirmation = new URL(res.headers.location).searchParams.get('confirmation')!;
    const tokenRequests = google.seen(/^\/token$/).length;
    google.oauth.failNextToken = 500;
    const refused = await confirm(user, started.id as string, confirmation).expect(502);
    expect(refused.body.errors[0].code).toBe('SYS_UPSTREAM_ERROR');
    // one try: OAuth2Client's own retries are switched off
    expect(google.seen(/^\/token$/).length - tokenRequests).toBe(1);
    await confirm(user, started.id as string, confirmation).expect(404);
    expect((await list()).map((item) => item.id)).not.toContain(started.id);
  });

  it('an account whose email Google has not verified is not connected, and its grant is revoked at Google', async () => {
    const started = await start();
    const res = await api()
      .get(await consent(started.authorization_url as string))
      .expect(302);
    const confirmation = new URL(res.headers.location).searchParams.get('confirmation')!;
    const before = new Set(google.oauth.grants.keys());
    google.oauth.emailVerified = false;
    try {
      await confirm(user, started.id as string, confirmation).expect(502);
    } finally {
      google.oauth.emailVerified = true;
    }
    const issued = [...google.oauth.grants.entries()].filter(([token]) => !before.has(token));
    expect(issued.map(([, grant]) => grant.revoked)).toEqual([true]);
    expect((await list()).map((item) => item.id)).not.toContain(started.id);
  });

  it('a retried start (Idempotency-Key) is the same connection, without its URL: the state is never stored', async () => {
    const send = () =>
      api()
        .post('/v1/google/connections')
        .set('Authorization', bearer(user))
        .send({ return_url: RETURN_URL });
    const key = `google-start-${Math.random().toString(36).slice(2)}`;
    const first = await send().set('Idempotency-Key', key).expect(201);
    const again = await send().set('Idempotency-Key', key).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.data).toMatchObject({ id: first.body.data.id, authorization_url: null });
    const state = new URL(first.body.data.authorization_url as string).searchParams.get('state')!;
    const stored = await t.app
      .get(DataSource)
      .query<Json[]>(`SELECT * FROM idempotency_keys WHERE route LIKE '%google/connections%'`);
    expect(stored.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(stored)).toContain(first.body.data.id as string);
    expect(JSON.stringify(stored)).not.toContain(state);
  });

  it('refuses return URLs outside GOOGLE_RETURN_URLS', async () => {
    for (const returnUrl of [
      'https://evil.example/google',
      'https://app.example.test.evil.example/google',
      'https://app.example.test/googlex',
      'http://app.example.test/google',
      'javascript:alert(1)',
    ]) {
      const res = await api()
        .post('/v1/google/connections')
        .set('Authorization', bearer(user))
        .send({ return_url: returnUrl })
        .expect(400);
      expect(res.body.errors[0].code).toBe('VAL_FAILED');
    }
  });

  it('makes access tokens from the refresh token, and Google refusing the grant revokes the connection', async () => {
    const { id } = await connect();
    const connections = t.app.get(GoogleConnectionsService);
    const run = <T>(work: () => Promise<T>) => t.app.get(BackgroundWork).run('test', work);
    const tokenRequests = () => google.seen(/^\/token$/).length;
    const before = tokenRequests();
    await expect(run(() => connections.accessToken(id))).resolves.toBe(google.token);
    const [used] = (await list()).filter((item) => item.id === id);
    expect(used.last_used_at).toEqual(expect.any(String));
    // kept (sealed) until a minute before it expires: the next caller asks Google for nothing
    await expect(run(() => connections.accessToken(id))).resolves.toBe(google.token);
    expect(tokenRequests()).toBe(before + 1);

    // the user removes the app's access in their Google account
    const [row] = await t.app
      .get(DataSource)
      .query<Json[]>('SELECT refresh_token FROM google_connections WHERE id = $1', [id]);
    expect(row.refresh_token).not.toBeNull();
    for (const grant of google.oauth.grants.values()) grant.revoked = true;
    // the kept token is refused at Google (401): the caller asks for a fresh one
    await expect(run(() => connections.accessToken(id, { fresh: true }))).rejects.toMatchObject({
      code: 'BR_GOOGLE_CONNECTION_REVOKED',
    });
    const [revoked] = (await list()).filter((item) => item.id === id);
    expect(revoked.status).toBe('revoked');
  });

  it('DELETE revokes at Google and forgets the token; another user gets 404', async () => {
    const { id } = await connect();
    const issued = [...google.oauth.grants.entries()].filter(([, grant]) => !grant.revoked);
    const stranger = await loggedInUser(t.app.getHttpServer());
    const refused = await api()
      .delete(`/v1/google/connections/${id}`)
      .set('Authorization', bearer(stranger))
      .expect(404);
    expect(refused.body.errors[0].code).toBe('NF_GOOGLE_CONNECTION');

    await api()
      .delete(`/v1/google/connections/${id}`)
      .set('Authorization', bearer(user))
      .expect(204);
    expect(issued.filter(([, grant]) => grant.revoked)).toHaveLength(1);
    const [row] = await t.app
      .get(DataSource)
      .query<Json[]>('SELECT status, refresh_token FROM google_connections WHERE id = $1', [id]);
    expect(row).toEqual({ status: 'revoked', refresh_token: null });
    // again: still revoked, nothing to do
    await api()
      .delete(`/v1/google/connections/${id}`)
      .set('Authorization', bearer(user))
      .expect(204);
  });

  it("lists only the caller's connections", async () => {
    const other = await loggedInUser(t.app.getHttpServer());
    const { id } = await connect(other);
    expect((await list(other)).map((item) => item.id)).toEqual([id]);
    expect((await list()).map((item) => item.id)).not.toContain(id);
  });

  it('answers 503 SYS_GOOGLE_NOT_CONFIGURED on a server without an OAuth client', async () => {
    const bare = await createTestApp();
    try {
      const someone = await loggedInUser(bare.app.getHttpServer());
      const res = await request(bare.app.getHttpServer())
        .post('/v1/google/connections')
        .set('Authorization', bearer(someone))
        .send({ return_url: RETURN_URL })
        .expect(503);
      expect(res.body.errors[0].code).toBe('SYS_GOOGLE_NOT_CONFIGURED');
    } finally {
      await bare.close();
    }
  });
});
