import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { type Page, PageDto, PageQuery } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import { Operation } from '../../core/hub/operation.decorator';
import { Idempotent } from '../../core/idempotency/idempotent.decorator';
import { ChatService } from './chat.service';
import { ChatMessageDto, ChatSessionDto, CreateChatSessionDto } from './dto/chat.dto';
import { CasefileAccess } from '../access';
import { CurrentActor } from '../auth';
import { CurrentSession, ListSessionsQuery, type Session, UsesSession } from '../sessions';

/**
 * Chat sessions (API.md §6) and their history; turns are ChatTurnsController's. The session a route names is resolved by the `session_lifecycle`
 * hook (access, expiry, one turn at a time) and handed in as `@CurrentSession()`.
 */
@ApiTags('Chat')
@Controller('chat/sessions')
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  @Post()
  @Idempotent()
  @CasefileAccess('casefile_id', 'editor')
  @Operation('create_chat_session', {
    summary: 'Open a chat session (editor on the casefile, if any)',
    errors: ['NF_CASEFILE'],
  })
  @ApiEnvelopeResponse(ChatSessionDto, { status: 201 })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateChatSessionDto): Promise<ChatSessionDto> {
    return this.chat.create(actor, dto);
  }

  @Get()
  @Operation('list_chat_sessions', {
    summary: "The caller's chat sessions, newest first",
    errors: ['VAL_INVALID_CURSOR'],
  })
  @ApiEnvelopeResponse(PageDto(ChatSessionDto))
  list(
    @CurrentActor() actor: Actor,
    @Query() query: ListSessionsQuery,
  ): Promise<Page<ChatSessionDto>> {
    return this.chat.list(actor, query);
  }

  @Get(':id')
  @UsesSession({ kind: 'chat', access: 'read' })
  @Operation('get_chat_session', {
    summary: 'One chat session (its creator, or viewers of its casefile)',
    errors: [],
  })
  @ApiEnvelopeResponse(ChatSessionDto)
  get(@CurrentSession() session: Session): Promise<ChatSessionDto> {
    return this.chat.get(session);
  }

  @Post(':id/close')
  @HttpCode(200)
  @UsesSession({ kind: 'chat', access: 'own' })
  @Operation('close_chat_session', {
    summary: 'Close the chat session (its creator); closing it again answers the same',
    errors: [],
  })
  @ApiEnvelopeResponse(ChatSessionDto)
  close(@CurrentSession() session: Session): Promise<ChatSessionDto> {
    return this.chat.close(session);
  }

  @Get(':id/messages')
  @UsesSession({ kind: 'chat', access: 'read' })
  @Operation('list_chat_messages', {
    summary: "The session's messages, oldest first",
    errors: ['VAL_INVALID_CURSOR'],
  })
  @ApiEnvelopeResponse(PageDto(ChatMessageDto))
  history(
    @CurrentSession() session: Session,
    @Query() page: PageQuery,
  ): Promise<Page<ChatMessageDto>> {
    return this.chat.history(session, page);
  }
}
