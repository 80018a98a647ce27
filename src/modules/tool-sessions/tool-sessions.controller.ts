import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { PathId } from '../../core/http/id.param';
import { type Page, PageDto, PageQuery } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import { Operation } from '../../core/hub/operation.decorator';
import { Idempotent } from '../../core/idempotency/idempotent.decorator';
import { CurrentActor } from '../auth/current-actor.decorator';
import { CurrentSession } from '../sessions/current-session.decorator';
import { ListSessionsQuery, ToolSessionDto } from '../sessions/dto/session.dto';
import type { SessionRow } from '../sessions/sessions.repository';
import {
  CreateToolSessionDto,
  ProcessToolRequestDto,
  ToolRequestDto,
} from './dto/tool-request.dto';
import { ToolSessionsService } from './tool-sessions.service';
import { CasefileAccess } from '../access/casefile-access.hook';

const RUN = { kind: 'tool', access: 'run' } as const;

/**
 * Tool sessions (API.md §5). The session a route names is resolved by the `session_lifecycle`
 * hook (access, expiry, the busy lease) and handed in as `@CurrentSession()`; `@PathId()` still
 * documents and checks the id.
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
  @Operation('process_tool_request', {
    operationId: 'process_tool_request_current',
    summary: 'Run a tool in the session bound in the access token (recreated when it expired)',
    errors: ['NF_TOOL', 'VAL_TOOL_PARAMETERS', 'BR_CASEFILE_REQUIRED', 'TOOL_CAPACITY'],
    session: { ...RUN, bound: true },
  })
  @ApiEnvelopeResponse(ToolRequestDto, { status: 201 })
  processCurrent(
    @CurrentActor() actor: Actor,
    @CurrentSession() session: SessionRow,
    @Body() dto: ProcessToolRequestDto,
  ): Promise<ToolRequestDto> {
    return this.toolSessions.process(actor, session, dto);
  }

  @Get(':id')
  @Operation('get_session', {
    summary: 'One tool session (its creator, or viewers of its casefile)',
    errors: [],
    session: { kind: 'tool', access: 'read' },
  })
  @ApiEnvelopeResponse(ToolSessionDto)
  get(@PathId() _id: string, @CurrentSession() session: SessionRow): ToolSessionDto {
    return this.toolSessions.get(session);
  }

  @Post(':id/close')
  @HttpCode(200)
  @Operation('close_session', {
    summary: 'Close the session (its creator); closing it again answers the same',
    errors: [],
    session: { kind: 'tool', access: 'own' },
  })
  @ApiEnvelopeResponse(ToolSessionDto)
  close(@PathId() _id: string, @CurrentSession() session: SessionRow): Promise<ToolSessionDto> {
    return this.toolSessions.close(session);
  }

  @Post(':id/requests')
  @Idempotent()
  @Operation('process_tool_request', {
    summary: 'Run a tool in the session: schema-checked, bounded, recorded',
    errors: ['NF_TOOL', 'VAL_TOOL_PARAMETERS', 'BR_CASEFILE_REQUIRED', 'TOOL_CAPACITY'],
    session: RUN,
  })
  @ApiEnvelopeResponse(ToolRequestDto, { status: 201 })
  process(
    @CurrentActor() actor: Actor,
    @PathId() _id: string,
    @CurrentSession() session: SessionRow,
    @Body() dto: ProcessToolRequestDto,
  ): Promise<ToolRequestDto> {
    return this.toolSessions.process(actor, session, dto);
  }

  @Get(':id/requests')
  @Operation('list_tool_requests', {
    summary: "The session's tool requests, oldest first",
    errors: ['VAL_INVALID_CURSOR'],
    session: { kind: 'tool', access: 'read' },
  })
  @ApiEnvelopeResponse(PageDto(ToolRequestDto))
  history(
    @PathId() _id: string,
    @CurrentSession() session: SessionRow,
    @Query() page: PageQuery,
  ): Promise<Page<ToolRequestDto>> {
    return this.toolSessions.history(session, page);
  }
}
