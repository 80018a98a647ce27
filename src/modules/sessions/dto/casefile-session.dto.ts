import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsUUID, Min } from 'class-validator';
import { ToolSessionDto } from './session.dto';
import { CasefileDto, CreateCasefileDto } from '../../casefiles';

export class CreateCasefileWithSessionDto extends CreateCasefileDto {
  /** The tool session's idle TTL; `SESSION_IDLE_TTL_SECONDS` when omitted. */
  @IsOptional()
  @IsInt()
  @Min(60)
  @ApiPropertyOptional({ minimum: 60, description: 'At most SESSION_MAX_TTL_SECONDS' })
  session_ttl_seconds?: number;
}

export class CasefileWithSessionDto {
  @ApiProperty({ type: CasefileDto }) casefile!: CasefileDto;
  @ApiProperty({ type: ToolSessionDto }) tool_session!: ToolSessionDto;
}

export class AddSessionDto {
  @IsUUID('all')
  @ApiProperty({ format: 'uuid', description: "The caller's own unattached tool session" })
  session_id!: string;
}
