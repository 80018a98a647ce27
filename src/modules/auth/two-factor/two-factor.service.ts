import { Injectable } from '@nestjs/common';
import { authenticator } from 'otplib';
import type { Actor } from '../../../core/hub/actor';
import { InvalidOtpError, TwoFactorAlreadyEnabledError, UserNotFoundError } from '../auth.errors';
import type { UserEntity } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { SecretBox } from '../../../core/secrets/secret-box';
import type { TwoFactorSetupDto, TwoFactorStatusDto } from '../dto/two-factor.dto';
import { AuditTrail } from '../../audit';

const ISSUER = 'Casefile Hub';
// RFC 6238 defaults (SHA-1, 6 digits, 30 s); one step either side for clock drift
authenticator.options = { window: 1 };

/** TOTP second factor (API.md §3): set up, enable with a code, disable with a code. */
@Injectable()
export class TwoFactorService {
  constructor(
    private readonly users: UsersRepository,
    private readonly box: SecretBox,
    private readonly auditTrail: AuditTrail,
  ) {}

  /** A new secret, stored sealed; not active until enabled with a code from it. */
  async setup(actor: Actor): Promise<TwoFactorSetupDto> {
    const user = await this.userOf(actor);
    if (user.twoFactorEnabled) throw new TwoFactorAlreadyEnabledError();
    const secret = authenticator.generateSecret();
    await this.users.updateTwoFactor(user.id, {
      secret: this.box.seal('totp-secrets', secret),
      enabled: false,
    });
    return { secret, otpauth_uri: authenticator.keyuri(user.email, ISSUER, secret) };
  }

  async enable(actor: Actor, code: string): Promise<TwoFactorStatusDto> {
    const user = await this.userOf(actor);
    if (!this.verify(user, code)) throw new InvalidOtpError();
    await this.users.updateTwoFactor(user.id, { secret: user.twoFactorSecret, enabled: true });
    return { two_factor_enabled: true };
  }

  async disable(actor: Actor, code: string): Promise<TwoFactorStatusDto> {
    const user = await this.userOf(actor);
    if (!user.twoFactorEnabled || !this.verify(user, code)) throw new InvalidOtpError();
    await this.users.updateTwoFactor(user.id, { secret: null, enabled: false });
    return { two_factor_enabled: false };
  }

  /** Whether `code` is the user's current TOTP (false without a usable secret). */
  verify(user: Pick<UserEntity, 'twoFactorSecret'>, code: string): boolean {
    const secret = user.twoFactorSecret
      ? this.box.open('totp-secrets', user.twoFactorSecret)
      : undefined;
    return secret !== undefined && /^\d{6}$/.test(code) && authenticator.check(code, secret);
  }

  private async userOf(actor: Actor): Promise<UserEntity> {
    this.auditTrail.note({ resourceType: 'user', resourceId: actor.userId });
    const user = await this.users.findById(actor.userId);
    if (!user) throw new UserNotFoundError();
    return user;
  }
}
