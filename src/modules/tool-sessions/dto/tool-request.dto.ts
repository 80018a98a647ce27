import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Min } from 'class-validator';

export class CreateToolSessionDto {
  @IsOptional()
  @IsUUID('all')
  @ApiPropertyOptional({ format: 'uuid', description: 'Open it in this casefile (editor)' })
  casefile_id?: string;

  /** Idle TTL; `SESSION_IDLE_TTL_SECONDS` when omitted; never past `SESSION_MAX_TTL_SECONDS`. */
  @IsOptional()
  @IsInt()
  @Min(60)
  @ApiPropertyOptional({ minimum: 60, description: 'At most SESSION_MAX_TTL_SECONDS' })
  ttl_seconds?: number;
}

export class ProcessToolRequestDto {
  @IsString()
  @Length(1, 100)
  @ApiProperty({ example: 'text.stats' })
  tool!: string;

  /** Checked against the tool's JSON Schema (`GET /v1/tools/{name}`); `{}` when omitted. */
  @IsOptional()
  @IsObject()
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { text: 'a b a' } })
  parameters?: Record<string, unknown>;
}

export class ToolRequestErrorDto {
  @ApiProperty({ enum: ['TOOL_FAILED', 'TOOL_TIMEOUT', 'TOOL_RESULT_TOO_LARGE'] }) code!: string;
  @ApiProperty() message!: string;
}

export class ToolRequestDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) session_id!: string;
  @ApiProperty() tool!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) parameters!: Record<string, unknown>;
  @ApiProperty({ enum: ['succeeded', 'failed'] }) status!: 'succeeded' | 'failed';

  @ApiProperty({ nullable: true, description: "The tool's JSON result (succeeded only)" })
  result!: unknown;

  @ApiProperty({ type: ToolRequestErrorDto, nullable: true })
  error!: ToolRequestErrorDto | null;

  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiProperty() duration_ms!: number;
}
