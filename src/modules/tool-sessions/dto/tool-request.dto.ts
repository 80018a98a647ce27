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

/**
 * How a recorded run failed: the tool's own failure, timeout or oversized result; its worker
 * process lost (out of memory, or it could not start); or an event-loop tool's refusal in the
 * API's terms (the casefile no longer readable).
 */
export const TOOL_REQUEST_ERROR_CODES = [
  'TOOL_FAILED',
  'TOOL_TIMEOUT',
  'TOOL_RESULT_TOO_LARGE',
  'SYS_TOOL_WORKER_FAILED',
  'NF_CASEFILE',
] as const;

export class ToolRequestErrorDto {
  @ApiProperty({ enum: TOOL_REQUEST_ERROR_CODES }) code!: string;
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

  // inline, not `type: ToolRequestErrorDto`: OpenAPI 3.0 lets `nullable` admit null only to the
  // schema that carries it, and the `allOf: [$ref]` that `type` makes refuses it
  @ApiProperty({
    type: 'object',
    nullable: true,
    required: ['code', 'message'],
    properties: {
      code: { type: 'string', enum: [...TOOL_REQUEST_ERROR_CODES] },
      message: { type: 'string' },
    },
    description: 'How the run failed (failed only)',
  })
  error!: ToolRequestErrorDto | null;

  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiProperty() duration_ms!: number;
}
