import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { PipelinedTypeOrmAdapter } from '../../platform/overrides/pipelined-transactions';
import { AppConfig } from '../../config/app-config';
import type { Actor } from '../../core/hub/actor';
import type { BoundSession } from './tokens/bound-session';
import {
  AccountDisabledError,
  InvalidCredentialsError,
  InvalidOtpError,
  OtpRequiredError,
  InvalidRefreshTokenError,
  RefreshTokenReusedError,
  SessionTokenNeedsLoginError,
  TooManyLoginAttemptsError,
  WeakPasswordError,
} from './auth.errors';
import type { LoginDto } from './dto/login.dto';
import type { RegisterDto } from './dto/register.dto';
import type { AccessTokenDto, LogoutResultDto, TokenPairDto } from './dto/token-pair.dto';
import { toUserDto, type UserDto } from './dto/user.dto';
import { PasswordHasher } from './password/password-hasher';
import { passwordProblems } from './password/password-policy';
import { AccessTokens } from './tokens/access-tokens';
import { LoginStateService } from './tokens/login-state.service';
import { LoginsRepository } from './tokens/logins.repository';
import { newOpaqueSecret, sha256 } from './tokens/token-hash';
import type { UserEntity } from './users/user.entity';
import { TwoFactorService } from './two-factor/two-factor.service';
import { UsersRepository } from './users/users.repository';
import { AuditService, AuditTrail } from '../audit';

/** Failed logins are counted per account over this window (API.md §3: 5 in 15 min). */
const LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60;

export interface ClientInfo {
  ip: string | undefined;
  userAgent: string | undefined;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly logins: LoginsRepository,
    private readonly loginStates: LoginStateService,
    private readonly hasher: PasswordHasher,
    private readonly accessTokens: AccessTokens,
    private readonly txHost: TransactionHost<PipelinedTypeOrmAdapter>,
    private readonly config: AppConfig,
    private readonly auditTrail: AuditTrail,
    private readonly audit: AuditService,
    private readonly twoFactor: TwoFactorService,
  ) {}

  async register(dto: RegisterDto): Promise<UserDto> {
    const problems = passwordProblems(dto.password, dto);
    if (problems.length > 0) throw new WeakPasswordError(problems);
    const user = await this.users.insert({
      email: dto.email,
      username: dto.username,
      displayName: dto.display_name ?? null,
      passwordHash: await this.hasher.hash(dto.password),
    });
    this.auditTrail.note({ userId: user.id, resourceType: 'user', resourceId: user.id });
    return toUserDto(user);
  }

  /**
   * Unknown email and wrong password fail alike, in about the same time (the hasher verifies a
   * dummy hash for unknown accounts). Runs outside the request transaction: a failure must be
   * counted even though the request fails.
   */
  async login(dto: LoginDto, client: ClientInfo): Promise<TokenPairDto> {
    const user = await this.users.findByEmail(dto.email);
    // the email is what was tried, not a secret; the password never goes near the audit log
    this.auditTrail.note({ userId: user?.id, details: { email: dto.email } });
    if (user) this.refuseWhileLockedOut(user);
    const valid = await this.hasher.verify(user?.passwordHash, dto.password);
    if (!user || !valid) {
      if (user) await this.users.recordFailedLogin(user.id, LOGIN_FAILURE_WINDOW_SECONDS);
      throw new InvalidCredentialsError();
    }
    if (!user.isActive) throw new AccountDisabledError();
    if (user.twoFactorEnabled) {
      if (!dto.otp) throw new OtpRequiredError();
      if (!this.twoFactor.verify(user, dto.otp)) {
        // a wrong code counts as a failed login, like a wrong password
        await this.users.recordFailedLogin(user.id, LOGIN_FAILURE_WINDOW_SECONDS);
        throw new InvalidOtpError();
      }
    }
    return this.txHost.withTransaction(async () => {
      if (user.failedLoginCount > 0) await this.users.clearFailedLogins(user.id);
      const loginId = await this.logins.createLogin({
        userId: user.id,
        secondFactor: user.twoFactorEnabled,
        ...client,
      });
      this.auditTrail.note({ resourceType: 'login', resourceId: loginId });
      const pair = await this.issueTokens(user, loginId, null);
      await this.audit.recordSuccessInTransaction();
      return pair;
    });
  }

  /**
   * Rotation: each refresh token works once. Presenting a spent one means it was stolen or
   * replayed: the whole login is revoked (committed before the error is returned).
   */
  async refresh(refreshToken: string): Promise<TokenPairDto> {
    const outcome = await this.txHost.withTransaction(async () => {
      const token = await this.logins.findRefreshTokenForUpdate(sha256(refreshToken));
      if (!token || token.loginRevoked || token.expiresAt <= new Date()) {
        return { error: new InvalidRefreshTokenError() };
      }
      this.auditTrail.note({
        userId: token.userId,
        resourceType: 'login',
        resourceId: token.loginId,
      });
      if (token.usedAt) {
        this.auditTrail.note({ details: { login_revoked: true } });
        await this.logins.revokeLogin(token.loginId, 'refresh_token_reused');
        return { error: new RefreshTokenReusedError(), revokedLogin: token.loginId };
      }
      if (!token.userActive) return { error: new AccountDisabledError() };
      await this.logins.markRefreshTokenUsed(token.id);
      const user = await this.users.findById(token.userId);
      const pair = await this.issueTokens(user!, token.loginId, token.id);
      await this.audit.recordSuccessInTransaction();
      return { pair };
    });
    // after the commit, so no request can cache the login's state from before the revocation
    if (outcome.revokedLogin) await this.loginStates.invalidate([outcome.revokedLogin]);
    if (outcome.error) throw outcome.error;
    return outcome.pair;
  }

  /** Revokes the caller's login: its refresh tokens and access tokens stop working at once. */
  async logout(actor: Actor): Promise<LogoutResultDto> {
    if (!actor.loginId) return { revoked: false };
    const loginId = actor.loginId;
    this.auditTrail.note({ resourceType: 'login', resourceId: loginId });
    const revoked = await this.txHost.withTransaction(async () => {
      const wasActive = await this.logins.revokeLogin(loginId, 'logout');
      await this.audit.recordSuccessInTransaction();
      return wasActive;
    });
    // after the commit, so no request can cache the login's state from before it
    await this.loginStates.invalidate([loginId]);
    return { revoked };
  }

  async me(actor: Actor): Promise<UserDto> {
    const user = await this.users.findById(actor.userId);
    if (!user) throw new InvalidCredentialsError();
    return toUserDto(user);
  }

  /**
   * An access token of the caller's login that binds `session` (API.md §5.3). Logins only: an API
   * key has no login whose revocation could end the token.
   */
  async issueSessionToken(actor: Actor, session: BoundSession): Promise<AccessTokenDto> {
    if (!actor.loginId) throw new SessionTokenNeedsLoginError();
    return {
      access_token: await this.accessTokens.sign(
        { id: actor.userId, role: actor.role },
        actor.loginId,
        session,
      ),
      token_type: 'Bearer',
      expires_in: this.accessTokens.ttlSeconds,
    };
  }

  private refuseWhileLockedOut(user: UserEntity): void {
    const max = this.config.auth.loginMaxFailures;
    const windowStart = user.failedLoginWindowStart?.getTime();
    if (user.failedLoginCount < max || windowStart === undefined) return;
    const retryAfterMs = windowStart + LOGIN_FAILURE_WINDOW_SECONDS * 1000 - Date.now();
    if (retryAfterMs > 0) throw new TooManyLoginAttemptsError(Math.ceil(retryAfterMs / 1000));
  }

  private async issueTokens(
    user: Pick<UserEntity, 'id' | 'role'>,
    loginId: string,
    parentId: string | null,
  ): Promise<TokenPairDto> {
    const refreshToken = newOpaqueSecret();
    await this.logins.insertRefreshToken({
      loginId,
      parentId,
      tokenHash: sha256(refreshToken),
      expiresAt: new Date(Date.now() + this.config.auth.refreshTokenTtlSeconds * 1000),
    });
    return {
      access_token: await this.accessTokens.sign(user, loginId),
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: this.accessTokens.ttlSeconds,
    };
  }
}
