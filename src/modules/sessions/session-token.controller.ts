import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import type { Actor } from '../../core/hub/actor';
import { Operation } from '../../core/hub/operation.decorator';
import { BindSessionDto, SessionTokenDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';
import { CurrentActor } from '../auth';

@ApiTags('Auth')
@Controller('auth')
export class SessionTokenController {
  constructor(private readonly sessions: SessionsService) {}

  @Post('session-token')
  @HttpCode(200)
  @Operation('bind_session', {
    summary: "An access token that binds one of the caller's sessions (for the `current` routes)",
    errors: ['NF_TOOL_SESSION', 'BR_SESSION_CLOSED'],
  })
  @ApiEnvelopeResponse(SessionTokenDto)
  bind(@CurrentActor() actor: Actor, @Body() dto: BindSessionDto): Promise<SessionTokenDto> {
    return this.sessions.bindToken(actor, dto.session_id);
  }
}
