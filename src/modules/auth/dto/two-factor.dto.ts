import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class OtpCodeDto {
  /** The current 6-digit code from the authenticator app. */
  @IsString()
  @Length(1, 10)
  code!: string;
}

export class TwoFactorSetupDto {
  @ApiProperty({ description: 'Base32 TOTP secret (RFC 6238, SHA-1, 30 s, 6 digits)' })
  secret!: string;

  @ApiProperty({
    example: 'otpauth://totp/Casefile%20Hub:ada%40example.com?secret=…&issuer=Casefile%20Hub',
  })
  otpauth_uri!: string;
}

export class TwoFactorStatusDto {
  @ApiProperty()
  two_factor_enabled!: boolean;
}
