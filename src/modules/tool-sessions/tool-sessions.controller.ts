import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { type Page, PageDto, PageQuery } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import { Operation } from '../../core/hub/operation.decorator';
import { Idempotent } from '../../core/idempotency/idempotent.decorator';
import {
  CreateToolSessionDto,
  ProcessToolRequestDto,
  ToolRequestDto,
} from './dto/tool-request.dto';
import { ToolSessionsService } from './tool-sessions.service';
import { CasefileAccess } from '../access';
import { CurrentActor } from '../auth';
import {
  CurrentSession,
  ListSessionsQuery,
  type Session,
  ToolSessionDto,
  UsesSession,
} from '../sessions';

const RUN = { kind: 'tool', access: 'run' } as const;

/**
 * Tool sessions (API.md §5). The session a route names is resolved by the `session_lifecycle`
 * hook (its id, access, expiry, the busy lease) and handed in as `@CurrentSession()`.
 */
@ApiTags('Tool sessions')
@Controller('tool-sessions')
export class ToolSessionsController {
  constructor(private readonly toolSessions: ToolSessionsService) {}

  @Post()
  @Idempotent()
  @CasefileAccess('casefile_id', 'editor')
  @Operation('create_session', {
    summary: 'Open a tool session (editor on the casefile, if any)',
    errors: ['NF_CASEFILE'],
  })
  @ApiEnvelopeResponse(ToolSessionDto, { status: 201 })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateToolSessionDto): Promise<ToolSessionDto> {
    return this.toolSessions.create(actor, dto);
  }

  @Get()
  @Operation('list_sessions', {
    summary: "The caller's tool sessions, newest first",
    errors: ['VAL_INVALID_CURSOR'],
  })
  @ApiEnvelopeResponse(PageDto(ToolSessionDto))
  list(
    @CurrentActor() actor: Actor,
    @Query() query: ListSessionsQuery,
  ): Promise<Page<ToolSessionDto>> {
    return this.toolSessions.list(actor, query);
  }

  // before `:id`, which would take `current` for an id
  @Post('current/requests')
  @Idempotent()
  @UsesSession({ ...RUN, bound: true })
  @Operation('process_tool_request', {
    operationId: 'process_tool_request_current',
    summary: 'Run a tool in the session bound in the access token (recreated when it expired)',
    errors: ['NF_TOOL', 'VAL_TOOL_PARAMETERS', 'BR_CASEFILE_REQUIRED', 'TOOL_CAPACITY'],
  })
  @ApiEnvelopeResponse(ToolRequestDto, { status: 201 })
  processCurrent(
    @CurrentActor() actor: Actor,
    @CurrentSession() session: Session,
    @Body() dto: ProcessToolRequestDto,
  ): Promise<ToolRequestDto> {
    return this.toolSessions.process(actor, session, dto);
  }

  @Get(':id')
  @UsesSession({ kind: 'tool', access: 'read' })
  @Operation('get_session', {
    summary: 'One tool session (its creator, or viewers of its casefile)',
    errors: [],
  })
  @ApiEnvelopeResponse(ToolSessionDto)
  get(@CurrentSession() session: Session): ToolSessionDto {
    return this.toolSessions.get(session);
  }

  @Post(':id/close')
  @HttpCode(200)
  @UsesSession({ kind: 'tool', access: 'own' })
  @Operation('close_session', {
    summary: 'Close the session (its creator); closing it again answers the same',
    errors: [],
  })
  @ApiEnvelopeResponse(ToolSessionDto)
  close(@CurrentSession() session: Session): Promise<ToolSessionDto> {
    return this.toolSessions.close(session);
  }

  @Post(':id/requests')
  @Idempotent()
  @UsesSession(RUN)
  @Operation('process_tool_request', {
    summary: 'Run a tool in the session: schema-checked, bounded, recorded',
    errors: ['NF_TOOL', 'VAL_TOOL_PARAMETERS', 'BR_CASEFILE_REQUIRED', 'TOOL_CAPACITY'],
  })
  @ApiEnvelopeResponse(ToolRequestDto, { status: 201 })
  process(
    @CurrentActor() actor: Actor,
    @CurrentSession() session: Session,
    @Body() dto: ProcessToolRequestDto,
  ): Promise<ToolRequestDto> {
    return this.toolSessions.process(actor, session, dto);
  }

  @Get(':id/requests')
  @UsesSession({ kind: 'tool', access: 'read' })
  @Operation('list_tool_requests', {
    summary: "The session's tool requests, oldest first",
    errors: ['VAL_INVALID_CURSOR'],
  })
  @ApiEnvelopeResponse(PageDto(ToolRequestDto))
  history(
    @CurrentSession() session: Session,
    @Query() page: PageQuery,
  ): Promise<Page<ToolRequestDto>> {
    return this.toolSessions.history(session, page);
  }
}
