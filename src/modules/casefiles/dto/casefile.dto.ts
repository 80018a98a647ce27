import { ApiProperty } from '@nestjs/swagger';
import { PERMISSION_LEVELS, type PermissionLevel } from '../../access';

// OpenAPI 3.0 checks `enum` against null too: a nullable level lists null among its values
const LEVEL_OR_NULL = [...PERMISSION_LEVELS, null] as unknown as string[];

export class CasefileCountsDto {
  @ApiProperty() tool_sessions!: number;
  @ApiProperty() chat_sessions!: number;
  @ApiProperty() gmail_messages!: number;
  @ApiProperty() drive_files!: number;
  @ApiProperty() sheets!: number;
}

export class CasefileDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ format: 'uuid' }) owner_id!: string;
  @ApiProperty({ description: 'Bumped by every change; GET answers it as ETag' }) version!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: CasefileCountsDto }) counts!: CasefileCountsDto;
  @ApiProperty({
    enum: LEVEL_OR_NULL,
    type: String,
    nullable: true,
    description: "The caller's level (null: an administrator without a grant)",
  })
  my_permission!: PermissionLevel | null;
}

export class AdminCasefileDto extends CasefileDto {
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deleted_at!: string | null;
}
