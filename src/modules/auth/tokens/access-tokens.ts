import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../../../config/app-config';
import type { Role } from '../../../core/hub/actor';
import type { BoundSession, SessionKind } from './bound-session';

export const JWT_ALGORITHM = 'HS256';
export const JWT_ISSUER = 'casefile-hub';
export const JWT_AUDIENCE = 'casefile-hub-api';

/** The claims of an access token (API.md §3). */
export interface AccessTokenClaims {
  sub: string;
  role: Role;
  fam: string;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
  session_id?: string;
  session_kind?: SessionKind;
}

@Injectable()
export class AccessTokens {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  get ttlSeconds(): number {
    return this.config.auth.accessTokenTtlSeconds;
  }

  /** An access token of the login; with `session`, one that binds that session (§5.3). */
  sign(user: { id: string; role: Role }, loginId: string, session?: BoundSession): Promise<string> {
    return this.jwt.signAsync(
      {
        role: user.role,
        fam: loginId,
        ...(session && { session_id: session.id, session_kind: session.kind }),
      },
      {
        subject: user.id,
        jwtid: randomUUID(),
        expiresIn: this.ttlSeconds,
        algorithm: JWT_ALGORITHM,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
      },
    );
  }
}
