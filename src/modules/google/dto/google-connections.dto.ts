import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import {
  GOOGLE_CONNECTION_STATUSES,
  type GoogleConnectionStatus,
} from '../google-connection.entity';
import type { GoogleConnectionRow } from '../google-connections.repository';

export class StartGoogleConnectionDto {
  /** Where the browser is sent after Google: one of GOOGLE_RETURN_URLS, or a URL below one. */
  @IsString()
  @MaxLength(2000)
  @Matches(/^https?:\/\/\S+$/, { message: 'return_url must be an http(s) URL' })
  @ApiProperty({ example: 'https://app.example.com/settings/google' })
  return_url!: string;
}

export class ConfirmGoogleConnectionDto {
  /** The `confirmation` the callback put on the return URL beside `connection_id`. */
  @IsString()
  @MaxLength(100)
  @ApiProperty()
  confirmation!: string;
}

export class GoogleConnectionDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The Google account; null while pending',
  })
  email!: string | null;

  @ApiProperty({ type: String, isArray: true, description: 'The scopes Google granted' })
  scopes!: string[];

  @ApiProperty({ enum: GOOGLE_CONNECTION_STATUSES })
  status!: GoogleConnectionStatus;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_used_at!: string | null;
}

export class StartedGoogleConnectionDto extends GoogleConnectionDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      "Google's consent page for this connection (authorization code with PKCE, offline access): send the browser there. Its `state` is honoured for 10 minutes, once. `null` in an `Idempotent-Replayed` answer: the URL carries the state, which is never stored (start again).",
  })
  authorization_url!: string | null;
}

/** What Google puts on the callback URL (RFC 6749 §4.1.2): a code, or an error. */
export class GoogleOAuthCallbackQuery {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @ApiPropertyOptional()
  code?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  @ApiPropertyOptional()
  state?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  @ApiPropertyOptional({ description: 'access_denied when the user declined' })
  error?: string;
}

/** What else Google puts on the callback URL; read by nobody, accepted so it is not refused. */
export class GoogleOAuthCallbackExtras extends GoogleOAuthCallbackQuery {
  @IsOptional() @IsString() @MaxLength(2000) @ApiPropertyOptional() scope?: string;
  @IsOptional() @IsString() @MaxLength(100) @ApiPropertyOptional() authuser?: string;
  @IsOptional() @IsString() @MaxLength(100) @ApiPropertyOptional() prompt?: string;
  @IsOptional() @IsString() @MaxLength(300) @ApiPropertyOptional() hd?: string;
  @IsOptional() @IsString() @MaxLength(300) @ApiPropertyOptional() iss?: string;
  @IsOptional() @IsString() @MaxLength(1000) @ApiPropertyOptional() error_description?: string;
  @IsOptional() @IsString() @MaxLength(1000) @ApiPropertyOptional() error_uri?: string;
}

export function toGoogleConnectionDto(row: GoogleConnectionRow): GoogleConnectionDto {
  return {
    id: row.id,
    email: row.email,
    scopes: row.scopes,
    status: row.status,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
  };
}
