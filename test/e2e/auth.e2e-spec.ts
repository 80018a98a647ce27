import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { bearer, login, newUserBody, registerUser, type TestUser } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';

const SECRET = 'test-only-secret-that-is-at-least-32-characters';
const ISSUER = 'casefile-hub';
const AUDIENCE = 'casefile-hub-api';

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

describe('auth: users, tokens, refresh rotation', () => {
  let t: TestApp;
  let app: App;
  let http: ReturnType<typeof request>;
  let db: DataSource;

  beforeAll(async () => {
    t = await createTestApp();
    app = t.app.getHttpServer();
    http = request(app);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  describe('POST /v1/auth/register', () => {
    it('creates a user (201) and never returns the password', async () => {
      const body = { ...newUserBody(), display_name: 'Ada' };
      const res = await http.post('/v1/auth/register').send(body).expect(201);
      expect(res.body.data).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
        email: body.email,
        username: body.username,
        display_name: 'Ada',
        role: 'user',
        is_active: true,
        two_factor_enabled: false,
        created_at: expect.any(String) as string,
        updated_at: expect.any(String) as string,
      });
      expect(res.body.meta.operation).toBe('register');
      expect(JSON.stringify(res.body)).not.toContain(body.password);
    });

    it('stores an argon2id hash with at least OWASP parameters', async () => {
      const user = await registerUser(app);
      const [row] = await db.query<{ password_hash: string }[]>(
        'SELECT password_hash FROM users WHERE id = $1',
        [user.id],
      );
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      expect(row.password_hash).not.toContain(user.password);
    });

    it('refuses an email taken in another case: 409 CF_DUPLICATE_EMAIL', async () => {
      const user = await registerUser(app);
      const res = await http
        .post('/v1/auth/register')
        .send(newUserBody({ email: user.email.toUpperCase() }))
        .expect(409);
      expect(res.body.errors[0].code).toBe('CF_DUPLICATE_EMAIL');
    });

    it('refuses a taken username in another case: 409 CF_DUPLICATE_USERNAME', async () => {
      const user = await registerUser(app);
      const res = await http
        .post('/v1/auth/register')
        .send(newUserBody({ username: user.username.toUpperCase() }))
        .expect(409);
      expect(res.body.errors[0].code).toBe('CF_DUPLICATE_USERNAME');
    });

    it.each([
      ['too short', 'Short-pw-1', 'must be at least 12 characters'],
      ['too long', 'x'.repeat(129), 'must be at most 128 characters'],
      ['common', 'password1234', 'is a commonly used password'],
      ['containing the username', '{username}-is-my-secret', 'must not contain the username'],
      ['containing the email', '{local}-is-my-secret', 'must not contain the email address'],
    ])('refuses a password %s: 422 BR_WEAK_PASSWORD', async (_case, template, reason) => {
      const body = newUserBody();
      const password = template
        .replace('{username}', body.username)
        .replace('{local}', body.email.split('@')[0]);
      const res = await http
        .post('/v1/auth/register')
        .send({ ...body, password })
        .expect(422);
      expect(res.body.errors[0]).toMatchObject({
        code: 'BR_WEAK_PASSWORD',
        details: { reasons: expect.arrayContaining([reason]) as string[] },
      });
    });

    it.each([
      ['a bad email', { email: 'not-an-email' }, 'email'],
      ['a bad username', { username: 'no spaces allowed' }, 'username'],
      ['an unknown field', { role: 'super_admin' }, 'role'],
    ])('answers %s with 400 VAL_FAILED', async (_case, patch, field) => {
      const res = await http
        .post('/v1/auth/register')
        .send({ ...newUserBody(), ...patch })
        .expect(400);
      expect(res.body.errors[0].code).toBe('VAL_FAILED');
      const fields = res.body.errors[0].details.fields as { field: string }[];
      expect(fields.map((f) => f.field)).toContain(field);
    });
  });

  describe('POST /v1/auth/login', () => {
    let user: TestUser;
    beforeAll(async () => (user = await registerUser(app)));

    it('returns a token pair; the access token carries the contract claims', async () => {
      const res = await http
        .post('/v1/auth/login')
        .send({ email: user.email.toUpperCase(), password: user.password })
        .expect(200);
      expect(res.body.data).toEqual({
        access_token: expect.any(String) as string,
        refresh_token: expect.any(String) as string,
        token_type: 'Bearer',
        expires_in: 900,
      });
      const token = res.body.data.access_token as string;
      expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toEqual({
        alg: 'HS256',
        typ: 'JWT',
      });
      const claims = decode(token);
      expect(claims).toEqual({
        sub: user.id,
        role: 'user',
        fam: expect.any(String) as string,
        jti: expect.any(String) as string,
        iat: expect.any(Number) as number,
        exp: expect.any(Number) as number,
        iss: ISSUER,
        aud: AUDIENCE,
      });
      expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    });

    it('answers unknown email and wrong password alike, in about the same time', async () => {
      const attempt = async (email: string) => {
        const started = performance.now();
        const res = await http
          .post('/v1/auth/login')
          .send({ email, password: 'Wrong-password-123' });
        return { res, ms: performance.now() - started };
      };
      const other = await registerUser(app);
      const unknown: number[] = [];
      const wrong: number[] = [];
      for (let i = 0; i < 3; i++) {
        const a = await attempt(`nobody-${i}@example.test`);
        const b = await attempt(other.email);
        expect(a.res.status).toBe(401);
        expect(b.res.status).toBe(401);
        expect(a.res.body.errors).toEqual(b.res.body.errors);
        expect(a.res.body.errors[0].code).toBe('AUTH_INVALID_CREDENTIALS');
        unknown.push(a.ms);
        wrong.push(b.ms);
      }
      const median = (values: number[]) => values.sort((x, y) => x - y)[1];
      // both run one argon2id verification (~tens of ms); a missing dummy hash would make the
      // unknown-email path several times faster
      expect(median(unknown) / median(wrong)).toBeGreaterThan(0.5);
      expect(median(unknown) / median(wrong)).toBeLessThan(2);
    });

    it('locks the account after 5 failures in 15 min: 429 AUTH_TOO_MANY_ATTEMPTS with Retry-After', async () => {
      const victim = await registerUser(app);
      for (let i = 0; i < 5; i++) {
        const res = await http
          .post('/v1/auth/login')
          .send({ email: victim.email, password: 'nope-nope-nope' });
        expect(res.status).toBe(401);
      }
      // even the right password is refused now
      const locked = await http
        .post('/v1/auth/login')
        .send({ email: victim.email, password: victim.password })
        .expect(429);
      expect(locked.body.errors[0].code).toBe('AUTH_TOO_MANY_ATTEMPTS');
      const retryAfter = Number(locked.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(890);
      expect(retryAfter).toBeLessThanOrEqual(900);
      // other accounts are not affected
      await login(app, user);
      // once the window has passed, the account opens again
      await db.query(
        "UPDATE users SET failed_login_window_start = now() - interval '16 minutes' WHERE id = $1",
        [victim.id],
      );
      await login(app, victim);
    });

    it('resets the failure count after a successful login', async () => {
      const person = await registerUser(app);
      for (let i = 0; i < 4; i++) {
        await http
          .post('/v1/auth/login')
          .send({ email: person.email, password: 'nope-nope-nope' })
          .expect(401);
      }
      await login(app, person);
      for (let i = 0; i < 4; i++) {
        await http
          .post('/v1/auth/login')
          .send({ email: person.email, password: 'nope-nope-nope' })
          .expect(401);
      }
      await login(app, person);
    });

    it('refuses a disabled account with 403 AUTH_ACCOUNT_DISABLED, after checking the password', async () => {
      const person = await registerUser(app);
      await db.query('UPDATE users SET is_active = false WHERE id = $1', [person.id]);
      await http
        .post('/v1/auth/login')
        .send({ email: person.email, password: 'wrong-password!!' })
        .expect(401);
      const res = await http
        .post('/v1/auth/login')
        .send({ email: person.email, password: person.password })
        .expect(403);
      expect(res.body.errors[0].code).toBe('AUTH_ACCOUNT_DISABLED');
    });
  });

  describe('access tokens', () => {
    const SESSION_ID = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';
    let user: TestUser;
    let token: string;
    const signer = new JwtService({ secret: SECRET });
    beforeAll(async () => {
      user = await registerUser(app);
      token = (await login(app, user)).access_token;
    });

    it('GET /v1/auth/me answers the current user', async () => {
      const res = await http.get('/v1/auth/me').set('Authorization', bearer(token)).expect(200);
      expect(res.body.data).toMatchObject({ id: user.id, email: user.email, role: 'user' });
      expect(res.body.meta.operation).toBe('get_me');
    });

    it('401 AUTH_MISSING_TOKEN without credentials', async () => {
      const res = await http.get('/v1/auth/me').expect(401);
      expect(res.body.errors[0].code).toBe('AUTH_MISSING_TOKEN');
    });

    const forged: [string, () => Promise<string>, string][] = [
      ['garbage', () => Promise.resolve('not.a.jwt'), 'AUTH_INVALID_TOKEN'],
      [
        'alg none',
        () => {
          const [, payload] = token.split('.');
          return Promise.resolve(`${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`);
        },
        'AUTH_INVALID_TOKEN',
      ],
      [
        'a tampered payload (role: super_admin)',
        () => {
          const [header, , signature] = token.split('.');
          return Promise.resolve(
            `${header}.${b64url({ ...decode(token), role: 'super_admin' })}.${signature}`,
          );
        },
        'AUTH_INVALID_TOKEN',
      ],
      [
        'no exp',
        () =>
          signer.signAsync(
            { role: 'user', fam: decode(token).fam },
            { subject: user.id, jwtid: 'x', issuer: ISSUER, audience: AUDIENCE },
          ),
        'AUTH_INVALID_TOKEN',
      ],
      [
        'another issuer',
        () =>
          signer.signAsync(
            { role: 'user', fam: decode(token).fam },
            { subject: user.id, jwtid: 'x', issuer: 'evil', audience: AUDIENCE, expiresIn: 60 },
          ),
        'AUTH_INVALID_TOKEN',
      ],
      [
        'another audience',
        () =>
          signer.signAsync(
            { role: 'user', fam: decode(token).fam },
            { subject: user.id, jwtid: 'x', issuer: ISSUER, audience: 'other-api', expiresIn: 60 },
          ),
        'AUTH_INVALID_TOKEN',
      ],
      [
        'another secret',
        () =>
          new JwtService({ secret: 'some-other-secret-of-at-least-32-chars!' }).signAsync(
            { role: 'user', fam: decode(token).fam },
            { subject: user.id, jwtid: 'x', issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 },
          ),
        'AUTH_INVALID_TOKEN',
      ],
      [
        'an expired token',
        () =>
          signer.signAsync(
            {
              role: 'user',
              fam: decode(token).fam,
              iat: Math.floor(Date.now() / 1000) - 1000,
              exp: Math.floor(Date.now() / 1000) - 10,
            },
            { subject: user.id, jwtid: 'x', issuer: ISSUER, audience: AUDIENCE },
          ),
        'AUTH_EXPIRED_TOKEN',
      ],
      ...(
        [
          ['a session id without its kind', { session_id: SESSION_ID }],
          ['a session of an unknown kind', { session_id: SESSION_ID, session_kind: 'shell' }],
          ['a session id that is not a uuid', { session_id: 'x', session_kind: 'tool' }],
        ] as const
      ).map(([name, claims]): [string, () => Promise<string>, string] => [
        name,
        () =>
          signer.signAsync(
            { role: 'user', fam: decode(token).fam, ...claims },
            { subject: user.id, jwtid: 'x', issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 },
          ),
        'AUTH_INVALID_TOKEN',
      ]),
      [
        'an unknown login (fam)',
        () =>
          signer.signAsync(
            { role: 'user', fam: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' },
            { subject: user.id, jwtid: 'x', issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 },
          ),
        'AUTH_INVALID_TOKEN',
      ],
    ];

    it.each(forged)('rejects %s', async (_case, make, code) => {
      const res = await http
        .get('/v1/auth/me')
        .set('Authorization', bearer(await make()))
        .expect(401);
      expect(res.body.errors[0].code).toBe(code);
    });

    it('a correctly signed token for the same login still works (the forgeries above are the only difference)', async () => {
      const genuine = await signer.signAsync(
        { role: 'user', fam: decode(token).fam },
        { subject: user.id, jwtid: 'x', issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 },
      );
      await http.get('/v1/auth/me').set('Authorization', bearer(genuine)).expect(200);
      const bound = await signer.signAsync(
        { role: 'user', fam: decode(token).fam, session_id: SESSION_ID, session_kind: 'chat' },
        { subject: user.id, jwtid: 'x', issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 },
      );
      await http.get('/v1/auth/me').set('Authorization', bearer(bound)).expect(200);
    });

    it('GET /me reports the account as stored, not the claims of an older token', async () => {
      const person = await registerUser(app);
      const tokens = await login(app, person);
      await db.query("UPDATE users SET role = 'admin' WHERE id = $1", [person.id]);
      const fresh = await login(app, person);
      const res = await http.get('/v1/auth/me').set('Authorization', bearer(fresh)).expect(200);
      expect(res.body.data.role).toBe('admin');
      expect(decode(tokens.access_token).role).toBe('user');
    });
  });

  describe('refresh rotation and logout', () => {
    it('rotates: each refresh token works once and yields a new pair', async () => {
      const user = await registerUser(app);
      const first = await login(app, user);
      const res = await http
        .post('/v1/auth/refresh')
        .send({ refresh_token: first.refresh_token })
        .expect(200);
      const second = res.body.data as { access_token: string; refresh_token: string };
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(decode(second.access_token).fam).toBe(decode(first.access_token).fam);
      await http.get('/v1/auth/me').set('Authorization', bearer(second.access_token)).expect(200);
      await http.post('/v1/auth/refresh').send({ refresh_token: second.refresh_token }).expect(200);
    });

    it('a spent token presented again → 401 AUTH_REFRESH_REUSED and the whole family dies', async () => {
      const user = await registerUser(app);
      const first = await login(app, user);
      const second = (
        await http.post('/v1/auth/refresh').send({ refresh_token: first.refresh_token }).expect(200)
      ).body.data as { access_token: string; refresh_token: string };
      const otherLogin = await login(app, user);

      const reuse = await http
        .post('/v1/auth/refresh')
        .send({ refresh_token: first.refresh_token })
        .expect(401);
      expect(reuse.body.errors[0].code).toBe('AUTH_REFRESH_REUSED');

      // the legitimate successor is dead too, and so are the family's access tokens
      const successor = await http
        .post('/v1/auth/refresh')
        .send({ refresh_token: second.refresh_token })
        .expect(401);
      expect(successor.body.errors[0].code).toBe('AUTH_INVALID_TOKEN');
      for (const access of [first.access_token, second.access_token]) {
        const res = await http.get('/v1/auth/me').set('Authorization', bearer(access)).expect(401);
        expect(res.body.errors[0].code).toBe('AUTH_INVALID_TOKEN');
      }
      // another login of the same user is untouched
      await http.get('/v1/auth/me').set('Authorization', bearer(otherLogin)).expect(200);
    });

    it('two concurrent refreshes of one token: one wins, the other is a reuse', async () => {
      const user = await registerUser(app);
      const tokens = await login(app, user);
      const results = await Promise.all(
        [1, 2].map(() =>
          http.post('/v1/auth/refresh').send({ refresh_token: tokens.refresh_token }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
      expect(results.find((r) => r.status === 401)!.body.errors[0].code).toBe(
        'AUTH_REFRESH_REUSED',
      );
    });

    it('an unknown refresh token → 401 AUTH_INVALID_TOKEN', async () => {
      const res = await http
        .post('/v1/auth/refresh')
        .send({ refresh_token: 'made-up' })
        .expect(401);
      expect(res.body.errors[0].code).toBe('AUTH_INVALID_TOKEN');
    });

    it('an expired refresh token → 401 AUTH_INVALID_TOKEN', async () => {
      const user = await registerUser(app);
      const tokens = await login(app, user);
      await db.query(
        `UPDATE refresh_tokens SET expires_at = now() - interval '1 second'
          WHERE login_id = (SELECT id FROM auth_logins WHERE user_id = $1)`,
        [user.id],
      );
      const res = await http
        .post('/v1/auth/refresh')
        .send({ refresh_token: tokens.refresh_token })
        .expect(401);
      expect(res.body.errors[0].code).toBe('AUTH_INVALID_TOKEN');
    });

    it('logout revokes the login: its access token fails on the very next request, its refresh token too', async () => {
      const user = await registerUser(app);
      const tokens = await login(app, user);
      const other = await login(app, user);
      await http.get('/v1/auth/me').set('Authorization', bearer(tokens)).expect(200); // cached now

      const res = await http
        .post('/v1/auth/logout')
        .set('Authorization', bearer(tokens))
        .expect(200);
      expect(res.body.data).toEqual({ revoked: true });

      const after = await http.get('/v1/auth/me').set('Authorization', bearer(tokens)).expect(401);
      expect(after.body.errors[0].code).toBe('AUTH_INVALID_TOKEN');
      await http.post('/v1/auth/refresh').send({ refresh_token: tokens.refresh_token }).expect(401);
      await http.get('/v1/auth/me').set('Authorization', bearer(other)).expect(200);
    });
  });

  it('never writes a password or token into the logs', async () => {
    const user = await registerUser(app);
    const tokens = await login(app, user);
    await http.post('/v1/auth/refresh').send({ refresh_token: tokens.refresh_token }).expect(200);
    await http
      .post('/v1/auth/login')
      .send({ email: user.email, password: `${user.password}-wrong` });
    const logs = t.logs.raw.join('\n');
    for (const secret of [user.password, tokens.access_token, tokens.refresh_token]) {
      expect(logs).not.toContain(secret);
    }
  });
});
