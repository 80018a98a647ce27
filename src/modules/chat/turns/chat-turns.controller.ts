import { Body, Controller, Get, Headers, Post, Query } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import {
  ApiEnvelopeResponse,
  ApiEventStreamResponse,
} from '../../../core/http/api-envelope.decorator';
import {
  type ResponseMode,
  ResponseModeParam,
  type SseEvent,
} from '../../../core/http/event-stream';
import { PathId } from '../../../core/http/id.param';
import type { Actor } from '../../../core/hub/actor';
import { Operation } from '../../../core/hub/operation.decorator';
import { Idempotent } from '../../../core/idempotency/idempotent.decorator';
import { ChatTurnDto, ProcessChatRequestDto, ResumeChatStreamQuery } from '../dto/chat.dto';
import { ChatTurnsService } from './chat-turns.service';
import { TurnFollower } from './turn-follower';
import { CurrentActor } from '../../auth';
import { CurrentSession, type Session, UsesSession } from '../../sessions';

/**
 * A turn stores its messages and events as it goes (kept as far as it got), not in one
 * transaction; with `Accept: text/event-stream` it answers as its event stream.
 */
const TURN = {
  transaction: false,
  streams: true,
} as const;
const TURN_SESSION = { kind: 'chat', access: 'run' } as const;

const TURN_EVENTS =
  'With `Accept: text/event-stream`: the turn as events `message.created`, `message.delta`, ' +
  '`tool.call`, `tool.result`, `message.completed`, then `done` (after an `error` event when it ' +
  'failed); each has an `id:` and carries `turn_id`';

/** Chat turns (API.md §6): taking one, as JSON or streamed, and resuming a turn's stream. */
@ApiTags('Chat')
@Controller('chat/sessions')
export class ChatTurnsController {
  constructor(
    private readonly turns: ChatTurnsService,
    private readonly follower: TurnFollower,
  ) {}

  // before `:id/messages`, which would take `current` for an id
  @Post('current/messages')
  @Idempotent()
  @UsesSession({ ...TURN_SESSION, bound: true })
  @Operation('process_chat_request', {
    operationId: 'process_chat_request_current',
    summary: 'A turn in the chat session bound in the access token (recreated when it expired)',
    errors: ['NF_CASEFILE', 'SYS_UPSTREAM_ERROR', 'SYS_UPSTREAM_TIMEOUT'],
    ...TURN,
  })
  @ApiEnvelopeResponse(ChatTurnDto, { status: 201 })
  @ApiEventStreamResponse(TURN_EVENTS)
  turnCurrent(
    @CurrentActor() actor: Actor,
    @CurrentSession() session: Session,
    @Body() dto: ProcessChatRequestDto,
    @ResponseModeParam() mode: ResponseMode,
  ): Promise<ChatTurnDto> | AsyncIterable<SseEvent> {
    return this.turns.take(actor, session, dto.content, mode);
  }

  @Post(':id/messages')
  @Idempotent()
  @UsesSession(TURN_SESSION)
  @Operation('process_chat_request', {
    summary: 'A turn: the message, the model, its tool calls (run as tool requests), its answer',
    errors: ['NF_CASEFILE', 'SYS_UPSTREAM_ERROR', 'SYS_UPSTREAM_TIMEOUT'],
    ...TURN,
  })
  @ApiEnvelopeResponse(ChatTurnDto, { status: 201 })
  @ApiEventStreamResponse(TURN_EVENTS)
  turn(
    @CurrentActor() actor: Actor,
    @CurrentSession() session: Session,
    @Body() dto: ProcessChatRequestDto,
    @ResponseModeParam() mode: ResponseMode,
  ): Promise<ChatTurnDto> | AsyncIterable<SseEvent> {
    return this.turns.take(actor, session, dto.content, mode);
  }

  @Get(':id/turns/:turn_id/events')
  @UsesSession({ kind: 'chat', access: 'read' })
  @Operation('resume_chat_stream', {
    summary: "A turn's events after Last-Event-ID, then the rest live until `done` (any instance)",
    errors: ['NF_CHAT_SESSION'],
    streams: 'only',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The last event id seen' })
  @ApiEventStreamResponse('The events of the turn after Last-Event-ID, then live until `done`')
  resume(
    @PathId('turn_id') turnId: string,
    @CurrentSession() session: Session,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query() query: ResumeChatStreamQuery,
  ): Promise<AsyncIterable<SseEvent>> {
    return this.follower.resume(session, turnId, lastEventId ?? query.last_event_id);
  }
}
