import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../../../core/http/pagination';
import { toBoolean } from '../../../core/http/query-transforms';
import { type Role, ROLES } from '../../../core/hub/actor';

export class ListUsersQuery extends PageQuery {
  @IsOptional()
  @IsIn(ROLES)
  @ApiPropertyOptional({ enum: ROLES })
  role?: Role;

  /** Substring of the email, username or display name (case-insensitive). */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  is_active?: boolean;
}

export class UpdateUserDto {
  /** Only a super_admin may grant or remove `admin` and `super_admin`. */
  @IsOptional()
  @IsIn(ROLES)
  @ApiPropertyOptional({ enum: ROLES })
  role?: Role;

  /** `false` disables the account and ends all its logins at once. */
  @IsOptional()
  @IsBoolean()
  is_active?: boolean;
}
