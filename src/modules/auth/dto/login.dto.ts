import { IsOptional, IsString, MaxLength } from 'class-validator';

export class LoginDto {
  @IsString()
  @MaxLength(254)
  email!: string;

  @IsString()
  @MaxLength(1024)
  password!: string;

  /** The current TOTP code, for accounts with two-factor authentication enabled. */
  @IsOptional()
  @IsString()
  @MaxLength(10)
  otp?: string;
}
