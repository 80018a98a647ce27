import { createSecretKey, type KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { TokenExpiredError, verify, type VerifyOptions } from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../../config/app-config';
import type { Actor } from '../../../core/hub/actor';
import { bindingOf, type BoundSession, SESSION_KINDS, type SessionKind } from './bound-session';
import { ExpiredTokenError, InvalidTokenError, MissingCredentialsError } from '../auth.errors';
import { type AccessTokenClaims, JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER } from './access-tokens';
import { LoginStateService } from './login-state.service';

/** What passport-jwt checks (HS256 only, so `alg: none` and HS/RS confusion fail), made once. */
const VERIFY_OPTIONS = {
  algorithms: [JWT_ALGORITHM] as VerifyOptions['algorithms'],
  issuer: JWT_ISSUER,
  audience: JWT_AUDIENCE,
  ignoreExpiration: false,
  complete: false as const,
};
const bearerTokenOf = ExtractJwt.fromAuthHeaderAsBearerToken();
/** Verified tokens kept per instance: a bound on memory, not on correctness (see `claimsOf`). */
const VERIFIED_TOKENS_MAX = 10_000;

type Claims = Readonly<Partial<AccessTokenClaims>>;

/**
 * Bearer tokens: signature, algorithm, issuer, audience and expiry as passport-jwt checks them; a
 * token without `exp` is refused here (jsonwebtoken accepts it), and so is one whose login was
 * revoked or whose user was disabled.
 *
 * It stays the app's passport strategy ('jwt'), but requests go through `actorOf()`: the same
 * extraction, the same jsonwebtoken verification with the same options and the same `validate`,
 * without passport building a strategy object and its callbacks for every request.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly key: KeyObject;
  private readonly verified = new LRUCache<string, Claims>({ max: VERIFIED_TOKENS_MAX });

  constructor(
    config: AppConfig,
    private readonly loginStates: LoginStateService,
  ) {
    // A KeyObject, not the string: given a string, jsonwebtoken first tries to parse it as a PEM
    // public key and builds (and throws away) an OpenSSL error on every request.
    const key = createSecretKey(Buffer.from(config.jwtSecret));
    super({
      jwtFromRequest: bearerTokenOf,
      // passport-jwt hands the key to jsonwebtoken untouched; only its typings say string | Buffer
      secretOrKey: key as unknown as Buffer,
      algorithms: VERIFY_OPTIONS.algorithms,
      issuer: VERIFY_OPTIONS.issuer,
      audience: VERIFY_OPTIONS.audience,
      ignoreExpiration: VERIFY_OPTIONS.ignoreExpiration,
    });
    this.key = key;
  }

  /** The caller of a request with `Authorization: Bearer …`, or the contract's 401 error. */
  async actorOf(req: Request): Promise<Actor> {
    const token = bearerTokenOf(req);
    if (!token) throw new MissingCredentialsError();
    return this.validate(this.claimsOf(token));
  }

  /**
   * The token's claims once its signature, algorithm, issuer, audience and expiry are verified.
   * A token is the same string on every request of a client, so a verified one is remembered
   * until it expires: verifying (HMAC, two base64 decodes, JSON) was 8 % of a read's CPU. Only a
   * verified token is ever remembered, keyed by the whole string, signature included; revocation
   * does not depend on it (`validate` reads the login state on every request).
   */
  private claimsOf(token: string): Claims {
    const known = this.verified.get(token);
    if (known) {
      // jsonwebtoken's rule: expired once the current second reaches `exp`
      if (Math.floor(Date.now() / 1000) < (known.exp as number)) return known;
      this.verified.delete(token);
      throw new ExpiredTokenError();
    }
    let claims: unknown;
    try {
      claims = verify(token, this.key, VERIFY_OPTIONS);
    } catch (error) {
      throw error instanceof TokenExpiredError ? new ExpiredTokenError() : new InvalidTokenError();
    }
    if (typeof claims !== 'object' || claims === null) throw new InvalidTokenError();
    const verified = Object.freeze(claims as Partial<AccessTokenClaims>);
    if (typeof verified.exp === 'number') this.verified.set(token, verified);
    return verified;
  }

  async validate(claims: Claims): Promise<Actor> {
    const { sub, fam, exp, jti } = claims;
    if (typeof exp !== 'number' || typeof sub !== 'string' || typeof fam !== 'string' || !jti) {
      throw new InvalidTokenError();
    }
    const session = boundSessionOf(claims);
    const state = await this.loginStates.get(fam);
    if (!state?.active || state.userId !== sub) throw new InvalidTokenError();
    return {
      userId: sub,
      // the current role, not the one at sign-in: a demotion takes effect at once
      role: state.role,
      authMethod: 'jwt',
      loginId: fam,
      secondFactor: state.secondFactor,
      scopes: ['read', 'write'],
      ...(session && { bound: bindingOf(session) }),
    };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The bound session of a token: both claims or neither, well formed, else the token is invalid. */
function boundSessionOf(claims: Claims): BoundSession | undefined {
  const { session_id: id, session_kind: kind } = claims;
  if (id === undefined && kind === undefined) return undefined;
  if (typeof id !== 'string' || !UUID.test(id) || !SESSION_KINDS.includes(kind as SessionKind)) {
    throw new InvalidTokenError();
  }
  return { id, kind: kind as SessionKind };
}
