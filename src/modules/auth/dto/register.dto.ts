import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

export class RegisterDto {
  /** Unique, compared case-insensitively. */
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  /** 3–32 of letters, digits, `_`, `.`, `-`; unique, case-insensitively. */
  @Matches(/^[A-Za-z0-9_.-]{3,32}$/, {
    message: 'username must be 3-32 letters, digits, "_", "." or "-"',
  })
  username!: string;

  /** 12–128 characters, not a common password, not containing the username or email. */
  @IsString()
  @MaxLength(1024)
  password!: string;

  @IsOptional()
  @IsString()
  @Length(1, 100)
  display_name?: string;
}
