import { authenticator } from 'otplib';
import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { bearer, grantRole, login, registerUser, type TestUser } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';

/** A code from the other side of the 30 s window: valid format, wrong value. */
const wrongCode = (secret: string) => {
  const right = authenticator.generate(secret);
  return right === '000000' ? '111111' : '000000';
};

describe('two-factor authentication (TOTP)', () => {
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

  async function withTwoFactor(): Promise<{ user: TestUser; secret: string }> {
    const user = await registerUser(app);
    const tokens = await login(app, user);
    const setup = await http
      .post('/v1/auth/2fa/setup')
      .set('Authorization', bearer(tokens))
      .expect(200);
    const secret = setup.body.data.secret as string;
    await http
      .post('/v1/auth/2fa/enable')
      .set('Authorization', bearer(tokens))
      .send({ code: authenticator.generate(secret) })
      .expect(200);
    return { user, secret };
  }

  it('setup gives a secret and an otpauth URI, stores it sealed, and changes nothing until enabled', async () => {
    const user = await registerUser(app);
    const tokens = await login(app, user);
    const res = await http
      .post('/v1/auth/2fa/setup')
      .set('Authorization', bearer(tokens))
      .expect(200);
    const { secret, otpauth_uri } = res.body.data as { secret: string; otpauth_uri: string };
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(otpauth_uri).toMatch(/^otpauth:\/\/totp\/Casefile%20Hub:/);
    expect(otpauth_uri).toContain(`secret=${secret}`);
    const [row] = await db.query<{ two_factor_secret: string; two_factor_enabled: boolean }[]>(
      'SELECT two_factor_secret, two_factor_enabled FROM users WHERE id = $1',
      [user.id],
    );
    expect(row.two_factor_enabled).toBe(false);
    expect(row.two_factor_secret).not.toContain(secret);
    await login(app, user); // no otp needed yet
  });

  it('enable needs a valid code: wrong → 401 AUTH_INVALID_OTP, right → enabled', async () => {
    const user = await registerUser(app);
    const tokens = await login(app, user);
    const secret = (
      await http.post('/v1/auth/2fa/setup').set('Authorization', bearer(tokens)).expect(200)
    ).body.data.secret as string;
    const wrong = await http
      .post('/v1/auth/2fa/enable')
      .set('Authorization', bearer(tokens))
      .send({ code: wrongCode(secret) })
      .expect(401);
    expect(wrong.body.errors[0].code).toBe('AUTH_INVALID_OTP');
    const ok = await http
      .post('/v1/auth/2fa/enable')
      .set('Authorization', bearer(tokens))
      .send({ code: authenticator.generate(secret) })
      .expect(200);
    expect(ok.body.data).toEqual({ two_factor_enabled: true });
    const me = await http.get('/v1/auth/me').set('Authorization', bearer(tokens)).expect(200);
    expect(me.body.data.two_factor_enabled).toBe(true);
    const again = await http
      .post('/v1/auth/2fa/setup')
      .set('Authorization', bearer(tokens))
      .expect(403);
    expect(again.body.errors[0].code).toBe('AUTH_FORBIDDEN');
  });

  it('enable without a pending setup → 401 AUTH_INVALID_OTP', async () => {
    const tokens = await login(app, await registerUser(app));
    const res = await http
      .post('/v1/auth/2fa/enable')
      .set('Authorization', bearer(tokens))
      .send({ code: '123456' })
      .expect(401);
    expect(res.body.errors[0].code).toBe('AUTH_INVALID_OTP');
  });

  it('login then needs otp: missing → AUTH_OTP_REQUIRED, wrong → AUTH_INVALID_OTP, right → tokens', async () => {
    const { user, secret } = await withTwoFactor();
    const missing = await http
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(401);
    expect(missing.body.errors[0].code).toBe('AUTH_OTP_REQUIRED');
    const wrong = await http
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password, otp: wrongCode(secret) })
      .expect(401);
    expect(wrong.body.errors[0].code).toBe('AUTH_INVALID_OTP');
    await http
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password, otp: authenticator.generate(secret) })
      .expect(200);
  });

  it('wrong codes count as failed logins', async () => {
    const { user, secret } = await withTwoFactor();
    for (let i = 0; i < 5; i++) {
      await http
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password, otp: wrongCode(secret) })
        .expect(401);
    }
    const locked = await http
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password, otp: authenticator.generate(secret) })
      .expect(429);
    expect(locked.body.errors[0].code).toBe('AUTH_TOO_MANY_ATTEMPTS');
  });

  it('disable needs a valid code, then login needs no otp again', async () => {
    const { user, secret } = await withTwoFactor();
    const tokens = (
      await http
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password, otp: authenticator.generate(secret) })
        .expect(200)
    ).body.data as { access_token: string };
    await http
      .post('/v1/auth/2fa/disable')
      .set('Authorization', bearer(tokens.access_token))
      .send({ code: wrongCode(secret) })
      .expect(401);
    const res = await http
      .post('/v1/auth/2fa/disable')
      .set('Authorization', bearer(tokens.access_token))
      .send({ code: authenticator.generate(secret) })
      .expect(200);
    expect(res.body.data).toEqual({ two_factor_enabled: false });
    await login(app, user);
  });

  describe('ADMIN_2FA_REQUIRED=true', () => {
    let strict: TestApp;
    let strictHttp: ReturnType<typeof request>;
    beforeAll(async () => {
      strict = await createTestApp({ env: { ADMIN_2FA_REQUIRED: 'true' } });
      strictHttp = request(strict.app.getHttpServer());
    });
    afterAll(() => strict.close());

    it('refuses an admin whose login had no second factor: 403 AUTH_2FA_REQUIRED', async () => {
      const admin = await registerUser(app);
      await grantRole(db, admin.id, 'admin');
      const tokens = await login(strict.app.getHttpServer(), admin);
      const res = await strictHttp
        .get('/v1/admin/users')
        .set('Authorization', bearer(tokens))
        .expect(403);
      expect(res.body.errors[0].code).toBe('AUTH_2FA_REQUIRED');
      // non-admin routes are unaffected
      await strictHttp.get('/v1/auth/me').set('Authorization', bearer(tokens)).expect(200);
    });

    it('lets in an admin who signed in with a code', async () => {
      const { user, secret } = await withTwoFactor();
      await grantRole(db, user.id, 'admin');
      const res = await strictHttp
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password, otp: authenticator.generate(secret) })
        .expect(200);
      await strictHttp
        .get('/v1/admin/users')
        .set('Authorization', bearer(res.body.data.access_token as string))
        .expect(200);
    });
  });

  it('the OTP secret never reaches the audit log or the logs', async () => {
    const { user, secret } = await withTwoFactor();
    const events = JSON.stringify(
      await db.query('SELECT * FROM audit_events WHERE user_id = $1', [user.id]),
    );
    expect(events).toContain('enable_2fa');
    expect(events).not.toContain(secret);
    expect(t.logs.raw.join('\n')).not.toContain(secret);
  });
});
