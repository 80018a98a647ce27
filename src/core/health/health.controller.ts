import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { ApiEnvelopeResponse } from '../http/api-envelope.decorator';
import { Public } from '../http/public.decorator';
import { Operation } from '../hub/operation.decorator';
import { HealthDto, LivenessDto } from './health.dto';
import { HealthService } from './health.service';

@ApiTags('Health')
// Probes and scrapes are never rate limited (API.md §1.3).
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @Operation('health', {
    summary: 'Readiness: the database (and Redis when configured) answer',
    errors: [],
  })
  @ApiEnvelopeResponse(HealthDto, { description: 'Every dependency answers' })
  @ApiEnvelopeResponse(HealthDto, { status: 503, description: 'A dependency is down' })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthDto> {
    const report = await this.health.check();
    if (report.status !== 'ok') res.status(503);
    return report;
  }

  @Get('live')
  @Public()
  @Operation('health_live', {
    summary: 'Liveness: the process runs (no dependency checks)',
    errors: [],
  })
  @ApiEnvelopeResponse(LivenessDto)
  live(): LivenessDto {
    return { status: 'ok' };
  }
}
