import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
} from 'class-validator';
import { IsTimestamp } from '../../../core/http/timestamps';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../../core/hub/actor';
import type { ApiKeyEntity } from '../api-keys/api-key.entity';

export class CreateApiKeyDto {
  @IsString()
  @Length(1, 100)
  name!: string;

  /** `read` only, or `read` and `write` (default). A key without `write` gets 403 on every non-GET route. */
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true })
  @ApiPropertyOptional({ enum: API_KEY_SCOPES, isArray: true, default: ['read', 'write'] })
  scopes?: ApiKeyScope[];

  /** When the key stops working (ISO 8601, in the future). */
  @IsOptional()
  @IsTimestamp()
  expires_at?: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ description: 'Public part of the key, shown in lists to tell keys apart' })
  prefix!: string;

  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true })
  scopes!: ApiKeyScope[];

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expires_at!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_used_at!: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The key itself: shown this once, stored only as a hash. `null` in an `Idempotent-Replayed` answer: a replay never shows it again (revoke the key and make another if it was lost).',
  })
  key!: string | null;
}

export function toApiKeyDto(key: ApiKeyEntity): ApiKeyDto {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    created_at: key.createdAt.toISOString(),
    expires_at: key.expiresAt?.toISOString() ?? null,
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
  };
}
