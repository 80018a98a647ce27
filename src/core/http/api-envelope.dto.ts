import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CODES } from '../../platform/errors/error-codes';

/** OpenAPI shapes of the envelope (API.md §1.1/§1.2); the runtime types are in envelope.ts. */
export class ResponseMetaDto {
  @ApiProperty({ example: '5f0c2a4e-6b1d-4c0a-9d7e-1f2a3b4c5d6e' })
  request_id!: string;

  @ApiProperty({ format: 'date-time' })
  timestamp!: string;

  @ApiPropertyOptional({ example: 'get_casefile' })
  operation?: string;

  @ApiPropertyOptional({ type: [String], example: ['metrics'] })
  hooks?: string[];

  @ApiPropertyOptional({ format: 'uuid' })
  session_id?: string;

  @ApiPropertyOptional({ enum: [true] })
  session_recreated?: boolean;
}

export class ErrorObjectDto {
  @ApiProperty({ enum: Object.keys(ERROR_CODES), example: 'VAL_FAILED' })
  code!: string;

  @ApiProperty({ example: 'Request validation failed' })
  message!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  details?: Record<string, unknown>;
}

export class ErrorEnvelopeDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: false,
    nullable: true,
    example: null,
    description: 'Always null',
  })
  data!: null;

  @ApiProperty({ type: ResponseMetaDto })
  meta!: ResponseMetaDto;

  @ApiProperty({ type: [ErrorObjectDto], minItems: 1 })
  errors!: ErrorObjectDto[];
}
