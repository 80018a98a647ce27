import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import jsonwebtoken, { sign, type SignOptions } from 'jsonwebtoken';
import type { AppConfig } from '../../../config/app-config';
import { ExpiredTokenError, InvalidTokenError, MissingCredentialsError } from '../auth.errors';
import { type AccessTokenClaims, JWT_AUDIENCE, JWT_ISSUER } from './access-tokens';
import { JwtStrategy } from './jwt.strategy';
import type { LoginStateService } from './login-state.service';

const SESSION_ID = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';

describe('JwtStrategy.validate', () => {
  const strategy = new JwtStrategy(
    { jwtSecret: 'a-secret-of-at-least-thirty-two-characters' } as AppConfig,
    {
      get: (fam: string) =>
        Promise.resolve(
          fam === 'login-1'
            ? { userId: 'user-1', role: 'admin', secondFactor: true, active: true }
            : undefined,
        ),
    } as unknown as LoginStateService,
  );
  const claims = (extra: Partial<AccessTokenClaims> = {}): Partial<AccessTokenClaims> => ({
    sub: 'user-1',
    fam: 'login-1',
    jti: 'j',
    exp: Math.floor(Date.now() / 1000) + 60,
    role: 'user',
    ...extra,
  });

  it('makes the actor from the login state, not from the role claim', async () => {
    const actor = await strategy.validate(claims());
    expect(actor).toEqual({
      userId: 'user-1',
      role: 'admin',
      authMethod: 'jwt',
      loginId: 'login-1',
      secondFactor: true,
      scopes: ['read', 'write'],
    });
  });

  it('keeps the bound session of a session token on the actor', async () => {
    const actor = await strategy.validate(claims({ session_id: SESSION_ID, session_kind: 'tool' }));
    expect(actor.bound).toEqual({ id: SESSION_ID, kind: 'tool', scope: `session:${SESSION_ID}` });
  });

  it.each([
    ['a session id alone', { session_id: SESSION_ID }],
    ['a kind alone', { session_kind: 'chat' as const }],
    ['an unknown kind', { session_id: SESSION_ID, session_kind: 'shell' as 'tool' }],
    ['a malformed id', { session_id: 'not-a-uuid', session_kind: 'tool' as const }],
  ])('refuses %s', async (_, extra) => {
    await expect(strategy.validate(claims(extra))).rejects.toBeInstanceOf(InvalidTokenError);
  });
});

describe('JwtStrategy.actorOf', () => {
  const secret = 'a-secret-of-at-least-thirty-two-characters';
  const strategy = new JwtStrategy(
    { jwtSecret: secret } as AppConfig,
    {
      get: () =>
        Promise.resolve({ userId: 'user-1', role: 'user', secondFactor: false, active: true }),
    } as unknown as LoginStateService,
  );
  const request = (token?: string) =>
    ({ headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }) as Request;
  /** A new token each call (its own jti): tokens verified once are known process-wide. */
  const token = (options: SignOptions = {}, key: string = secret) =>
    sign({ fam: 'login-1' }, key, {
      subject: 'user-1',
      jwtid: randomUUID(),
      expiresIn: 60,
      algorithm: 'HS256',
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      ...options,
    });

  it('verifies a good token and makes its actor', async () => {
    await expect(strategy.actorOf(request(token()))).resolves.toMatchObject({ userId: 'user-1' });
  });

  it.each([
    ['no token', undefined, MissingCredentialsError],
    ['an expired token', token({ expiresIn: -10 }), ExpiredTokenError],
    ['another key', token({}, 'another-secret-of-at-least-thirty-two-chars'), InvalidTokenError],
    ['another issuer', token({ issuer: 'someone-else' }), InvalidTokenError],
    ['another audience', token({ audience: 'another-api' }), InvalidTokenError],
    ['HS512', token({ algorithm: 'HS512' }), InvalidTokenError],
    ['garbage', 'not.a.token', InvalidTokenError],
  ])('refuses %s', async (_, value, error) => {
    await expect(strategy.actorOf(request(value))).rejects.toBeInstanceOf(error);
  });

  it('refuses a token without exp (jsonwebtoken alone accepts it)', async () => {
    const noExp = sign({ fam: 'login-1', jti: 'j' }, secret, {
      subject: 'user-1',
      algorithm: 'HS256',
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
    });
    await expect(strategy.actorOf(request(noExp))).rejects.toBeInstanceOf(InvalidTokenError);
  });

  describe('verified tokens', () => {
    let active = true;
    const remembering = new JwtStrategy(
      { jwtSecret: secret } as AppConfig,
      {
        get: () => Promise.resolve({ userId: 'user-1', role: 'user', secondFactor: false, active }),
      } as unknown as LoginStateService,
    );
    let verify: jest.SpyInstance;

    beforeEach(() => {
      active = true;
      verify = jest.spyOn(jsonwebtoken, 'verify');
    });
    afterEach(() => {
      jest.useRealTimers();
      verify.mockRestore();
    });

    it('verifies a token once, then knows it', async () => {
      const good = token();
      for (let i = 0; i < 3; i++) {
        await expect(remembering.actorOf(request(good))).resolves.toMatchObject({
          userId: 'user-1',
        });
      }
      expect(verify).toHaveBeenCalledTimes(1);
    });

    it('refuses a known token once it expires', async () => {
      jest.useFakeTimers({ now: Date.now() });
      const soon = token({ expiresIn: 5 });
      await expect(remembering.actorOf(request(soon))).resolves.toBeDefined();
      jest.setSystemTime(Date.now() + 5_000);
      await expect(remembering.actorOf(request(soon))).rejects.toBeInstanceOf(ExpiredTokenError);
      expect(verify).toHaveBeenCalledTimes(1);
    });

    it('refuses a known token whose login was revoked since', async () => {
      const good = token();
      await expect(remembering.actorOf(request(good))).resolves.toBeDefined();
      active = false;
      await expect(remembering.actorOf(request(good))).rejects.toBeInstanceOf(InvalidTokenError);
    });

    it('never remembers a refused token', async () => {
      const forged = token({}, 'another-secret-of-at-least-thirty-two-chars');
      for (let i = 0; i < 2; i++) {
        await expect(remembering.actorOf(request(forged))).rejects.toBeInstanceOf(
          InvalidTokenError,
        );
      }
      expect(verify).toHaveBeenCalledTimes(2);
    });
  });
});
