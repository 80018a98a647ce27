import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { PathId } from '../../core/http/id.param';
import type { Actor } from '../../core/hub/actor';
import { Operation } from '../../core/hub/operation.decorator';
import { Idempotent } from '../../core/idempotency/idempotent.decorator';
import {
  AddSessionDto,
  CasefileWithSessionDto,
  CreateCasefileWithSessionDto,
} from './dto/casefile-session.dto';
import { ToolSessionDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';
import { CurrentActor } from '../auth';

/** The casefile routes that are about sessions: this module owns them, casefiles knows no sessions. */
@ApiTags('Casefiles')
@Controller('casefiles')
export class CasefileSessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post('with-session')
  @Idempotent()
  @Operation('create_casefile_with_session', {
    summary: 'Create a casefile and a tool session in it, both or neither',
    errors: [],
  })
  @ApiEnvelopeResponse(CasefileWithSessionDto, { status: 201 })
  createWithSession(
    @CurrentActor() actor: Actor,
    @Body() dto: CreateCasefileWithSessionDto,
  ): Promise<CasefileWithSessionDto> {
    return this.sessions.createWithCasefile(actor, dto);
  }

  @Post(':id/sessions')
  @HttpCode(200)
  @Operation('add_session_to_casefile', {
    summary: "Attach the caller's own unattached tool or chat session (editor)",
    errors: [
      'NF_CASEFILE',
      'NF_TOOL_SESSION',
      'NF_CHAT_SESSION',
      'BR_SESSION_CLOSED',
      'BR_SESSION_EXPIRED',
    ],
  })
  @ApiEnvelopeResponse(ToolSessionDto)
  addSession(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Body() dto: AddSessionDto,
  ): Promise<ToolSessionDto> {
    return this.sessions.attachToCasefile(actor, id, dto.session_id);
  }
}
