import { ApiProperty } from '@nestjs/swagger';

export class TokenPairDto {
  @ApiProperty({ description: 'JWT for `Authorization: Bearer …`' })
  access_token!: string;

  @ApiProperty({ description: 'Opaque; exchange it once at POST /v1/auth/refresh' })
  refresh_token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type!: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 })
  expires_in!: number;
}

export class LogoutResultDto {
  @ApiProperty({ description: 'Whether a login was still active and is now revoked' })
  revoked!: boolean;
}

export class AccessTokenDto {
  @ApiProperty({ description: 'JWT for `Authorization: Bearer …`' })
  access_token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type!: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 })
  expires_in!: number;
}
