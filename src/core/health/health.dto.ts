import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export type CheckStatus = 'ok' | 'error';

export class DependencyCheckDto {
  @ApiProperty({ enum: ['ok', 'error'] })
  status!: CheckStatus;

  @ApiProperty({ description: 'Round-trip time of the check', example: 1.2 })
  latency_ms!: number;

  @ApiPropertyOptional({ description: 'Why the check failed', example: 'connection refused' })
  error?: string;
}

export class HealthChecksDto {
  @ApiProperty({ type: DependencyCheckDto })
  database!: DependencyCheckDto;

  @ApiPropertyOptional({ type: DependencyCheckDto, description: 'Only when REDIS_URL is set' })
  redis?: DependencyCheckDto;
}

export class HealthDto {
  @ApiProperty({ enum: ['ok', 'error'] })
  status!: CheckStatus;

  @ApiProperty({ example: '0.1.0' })
  version!: string;

  @ApiProperty({ example: 'v1' })
  api_version!: 'v1';

  @ApiProperty({ type: HealthChecksDto })
  checks!: HealthChecksDto;
}

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}
