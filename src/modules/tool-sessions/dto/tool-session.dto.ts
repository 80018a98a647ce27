import { ApiProperty } from '@nestjs/swagger';
import {
  TOOL_SESSION_STATUSES,
  type ToolSessionEntity,
  type ToolSessionStatus,
} from '../tool-session.entity';

export class ToolSessionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) casefile_id!: string | null;
  @ApiProperty({ enum: TOOL_SESSION_STATUSES }) status!: ToolSessionStatus;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) last_activity_at!: string;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) closed_at!: string | null;
  @ApiProperty() request_count!: number;
}

export function toToolSessionDto(session: ToolSessionEntity): ToolSessionDto {
  return {
    id: session.id,
    user_id: session.userId,
    casefile_id: session.casefileId,
    status: session.status,
    created_at: session.createdAt.toISOString(),
    last_activity_at: session.lastActivityAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    closed_at: session.closedAt?.toISOString() ?? null,
    request_count: session.requestCount,
  };
}
