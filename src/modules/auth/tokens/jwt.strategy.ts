import { createSecretKey } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../../config/app-config';
import {
  type Actor,
  type BoundSession,
  SESSION_KINDS,
  type SessionKind,
} from '../../../core/hub/actor';
import { InvalidTokenError } from '../auth.errors';
import { type AccessTokenClaims, JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER } from './access-tokens';
import { LoginStateService } from './login-state.service';

/**
 * Bearer tokens: signature, algorithm (HS256 only, so `alg: none` and HS/RS confusion fail),
 * issuer, audience and expiry are checked by passport-jwt; a token without `exp` is refused here
 * (jsonwebtoken accepts it), and so is one whose login was revoked or whose user was disabled.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly loginStates: LoginStateService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject, not the string: given a string, jsonwebtoken first tries to parse it as a
      // PEM public key and builds (and throws away) an OpenSSL error on every request — about a
      // fifth of an authenticated GET's CPU time (bench profile). passport-jwt hands the key to
      // jsonwebtoken untouched; only its typings say string | Buffer.
      secretOrKey: createSecretKey(Buffer.from(config.jwtSecret)) as unknown as Buffer,
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      ignoreExpiration: false,
    });
  }

  async validate(claims: Partial<AccessTokenClaims>): Promise<Actor> {
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
      ...(session && { session }),
    };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The bound session of a token: both claims or neither, well formed, else the token is invalid. */
function boundSessionOf(claims: Partial<AccessTokenClaims>): BoundSession | undefined {
  const { session_id: id, session_kind: kind } = claims;
  if (id === undefined && kind === undefined) return undefined;
  if (typeof id !== 'string' || !UUID.test(id) || !SESSION_KINDS.includes(kind as SessionKind)) {
    throw new InvalidTokenError();
  }
  return { id, kind: kind as SessionKind };
}
