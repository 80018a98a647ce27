import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../../core/http/api-envelope.decorator';
import type { Actor } from '../../../core/hub/actor';
import { Operation } from '../../../core/hub/operation.decorator';
import { CurrentActor } from '../current-actor.decorator';
import { OtpCodeDto, TwoFactorSetupDto, TwoFactorStatusDto } from '../dto/two-factor.dto';
import { TwoFactorService } from './two-factor.service';

@ApiTags('Auth')
@Controller('auth/2fa')
export class TwoFactorController {
  constructor(private readonly twoFactor: TwoFactorService) {}

  @Post('setup')
  @HttpCode(200)
  @Operation('setup_2fa', {
    summary: 'Start TOTP two-factor setup: a new secret, not active until enabled',
    errors: ['NF_USER'],
  })
  @ApiEnvelopeResponse(TwoFactorSetupDto)
  setup(@CurrentActor() actor: Actor): Promise<TwoFactorSetupDto> {
    return this.twoFactor.setup(actor);
  }

  @Post('enable')
  @HttpCode(200)
  @Operation('enable_2fa', {
    summary: 'Turn two-factor authentication on with a current code',
    errors: ['NF_USER', 'AUTH_INVALID_OTP'],
  })
  @ApiEnvelopeResponse(TwoFactorStatusDto)
  enable(@CurrentActor() actor: Actor, @Body() dto: OtpCodeDto): Promise<TwoFactorStatusDto> {
    return this.twoFactor.enable(actor, dto.code);
  }

  @Post('disable')
  @HttpCode(200)
  @Operation('disable_2fa', {
    summary: 'Turn two-factor authentication off with a current code',
    errors: ['NF_USER', 'AUTH_INVALID_OTP'],
  })
  @ApiEnvelopeResponse(TwoFactorStatusDto)
  disable(@CurrentActor() actor: Actor, @Body() dto: OtpCodeDto): Promise<TwoFactorStatusDto> {
    return this.twoFactor.disable(actor, dto.code);
  }
}
