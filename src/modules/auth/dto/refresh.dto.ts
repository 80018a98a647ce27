import { IsString, Length } from 'class-validator';

export class RefreshDto {
  /** The refresh token from login or the previous refresh; each one works once. */
  @IsString()
  @Length(1, 200)
  refresh_token!: string;
}
