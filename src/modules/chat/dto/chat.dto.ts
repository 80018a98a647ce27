import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Length, MaxLength, Min } from 'class-validator';
import { CHAT_ROLES, type ChatMessageEntity, type ChatRole } from '../chat-message.entity';
import { SESSION_STATUSES, type SessionStatus } from '../../sessions';

export class CreateChatSessionDto {
  @IsOptional()
  @IsUUID('all')
  @ApiPropertyOptional({ format: 'uuid', description: 'Open it in this casefile (editor)' })
  casefile_id?: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  title?: string;

  @IsOptional()
  @IsString()
  @MaxLength(32_000)
  @ApiPropertyOptional({ maxLength: 32_000, description: 'Instructions the model sees first' })
  system_prompt?: string;

  /** Idle TTL; `SESSION_IDLE_TTL_SECONDS` when omitted; never past `SESSION_MAX_TTL_SECONDS`. */
  @IsOptional()
  @IsInt()
  @Min(60)
  @ApiPropertyOptional({ minimum: 60, description: 'At most SESSION_MAX_TTL_SECONDS' })
  ttl_seconds?: number;
}

export class ChatSessionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) casefile_id!: string | null;
  @ApiProperty({ type: String, nullable: true }) title!: string | null;
  @ApiProperty({ enum: SESSION_STATUSES }) status!: SessionStatus;
  @ApiProperty({ example: 'builtin' }) provider!: string;
  @ApiProperty({ example: 'builtin-1' }) model!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) last_activity_at!: string;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) closed_at!: string | null;
  @ApiProperty() message_count!: number;
}

export class ProcessChatRequestDto {
  @IsString()
  @Length(1, 32_000)
  @ApiProperty({ minLength: 1, maxLength: 32_000, example: '/tool text.stats {"text": "a b a"}' })
  content!: string;
}

export class ChatToolCallDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'JSON text, as the model wrote it' }) arguments!: string;
}

export class ChatMessageDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) session_id!: string;
  @ApiProperty({ format: 'uuid' }) turn_id!: string;
  @ApiProperty({ enum: CHAT_ROLES }) role!: ChatRole;
  @ApiProperty() content!: string;
  @ApiPropertyOptional({ type: [ChatToolCallDto] }) tool_calls?: ChatToolCallDto[];
  @ApiPropertyOptional() tool_call_id?: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class ChatTurnDto {
  @ApiProperty({ format: 'uuid' }) turn_id!: string;

  @ApiProperty({
    type: [ChatMessageDto],
    description: 'user, then (assistant tool call, tool)*, then the assistant answer',
  })
  messages!: ChatMessageDto[];
}

export function toChatMessageDto(message: ChatMessageEntity): ChatMessageDto {
  return {
    id: message.id,
    session_id: message.sessionId,
    turn_id: message.turnId,
    role: message.role,
    content: message.content,
    ...(message.toolCalls && { tool_calls: message.toolCalls }),
    ...(message.toolCallId && { tool_call_id: message.toolCallId }),
    created_at: message.createdAt.toISOString(),
  };
}

export class ResumeChatStreamQuery {
  @IsOptional()
  @IsString()
  @ApiPropertyOptional({
    description: 'The last event id seen, when a Last-Event-ID header cannot be sent',
  })
  last_event_id?: string;
}
