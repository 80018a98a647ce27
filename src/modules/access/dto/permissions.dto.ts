import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEmail,
  IsIn,
  IsOptional,
  IsUUID,
  MaxLength,
  ValidateIf,
  IsDefined,
} from 'class-validator';
import { PERMISSION_LEVELS, type PermissionLevel } from '../permission-level';

/** `{user_id | email, permission}`: exactly one of the two names the grantee. */
export class GrantPermissionDto {
  @ValidateIf((dto: GrantPermissionDto) => dto.email === undefined)
  @IsDefined({ message: 'user_id or email is required' })
  @IsUUID('all')
  @ApiPropertyOptional({ format: 'uuid', description: 'The grantee (or give `email`)' })
  user_id?: string;

  @ValidateIf((dto: GrantPermissionDto) => dto.user_id === undefined || dto.email !== undefined)
  @IsDefined({ message: 'user_id or email is required' })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320)
  @ApiPropertyOptional({ description: 'The grantee (or give `user_id`)' })
  email?: string;

  /** `owner` is refused (`422 BR_OWNER_PERMISSION`): ownership moves only by transfer. */
  @IsIn(PERMISSION_LEVELS)
  @ApiProperty({ enum: PERMISSION_LEVELS })
  permission!: PermissionLevel;
}

export class CheckPermissionQuery {
  @IsIn(PERMISSION_LEVELS)
  @ApiProperty({ enum: PERMISSION_LEVELS })
  permission!: PermissionLevel;

  /** Whose permission; the caller's when omitted. */
  @IsOptional()
  @IsUUID('all')
  @ApiPropertyOptional({ format: 'uuid' })
  user_id?: string;
}

export class PermissionDto {
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty() username!: string;
  @ApiProperty({ enum: PERMISSION_LEVELS }) permission!: PermissionLevel;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null for the owner' })
  granted_by!: string | null;
  @ApiProperty({ format: 'date-time', description: 'For the owner: since when they own it' })
  granted_at!: string;
}

export class PermissionListDto {
  @ApiProperty({ type: [PermissionDto], description: 'The owner first, then grants, oldest first' })
  items!: PermissionDto[];
}

// OpenAPI 3.0 checks `enum` against null too: a nullable level lists null among its values
const LEVEL_OR_NULL = [...PERMISSION_LEVELS, null] as unknown as string[];

export class PermissionCheckDto {
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty({ enum: PERMISSION_LEVELS }) permission!: PermissionLevel;
  @ApiProperty() allowed!: boolean;
  @ApiProperty({ enum: LEVEL_OR_NULL, nullable: true, type: String })
  actual!: PermissionLevel | null;
}
