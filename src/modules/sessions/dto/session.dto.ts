import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQuery } from '../../../core/http/pagination';
import { SESSION_KINDS, type Session, type SessionKind } from '../session';
import { SESSION_STATUSES, type SessionStatus } from '../session.entity';

/** A tool session (API.md §5); `kind` says which of the two kinds a session is. */
export class ToolSessionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: SESSION_KINDS }) kind!: SessionKind;
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) casefile_id!: string | null;
  @ApiProperty({ enum: SESSION_STATUSES }) status!: SessionStatus;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) last_activity_at!: string;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) closed_at!: string | null;
  @ApiProperty({ description: 'Tool requests run in it' }) request_count!: number;
}

/**
 * The lifecycle fields of a session as a reader sees them, for both kinds: one still marked
 * active but past its deadline is shown expired (ended at its deadline) before the sweep marks it.
 */
export function sessionLifecycleOf(session: Session, due = false) {
  return {
    id: session.id,
    user_id: session.userId,
    casefile_id: session.casefileId,
    status: due ? ('expired' as const) : session.status,
    created_at: session.createdAt.toISOString(),
    last_activity_at: session.lastActivityAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    closed_at: due ? session.expiresAt.toISOString() : (session.closedAt?.toISOString() ?? null),
  };
}

export function toToolSessionDto(session: Session, due = false): ToolSessionDto {
  return {
    ...sessionLifecycleOf(session, due),
    kind: session.kind,
    request_count: session.requestCount,
  };
}

export class ListSessionsQuery extends PageQuery {
  @IsOptional()
  @IsUUID('all')
  @ApiPropertyOptional({ format: 'uuid', description: 'Only sessions in this casefile' })
  casefile_id?: string;

  @IsOptional()
  @IsIn(SESSION_STATUSES)
  @ApiPropertyOptional({ enum: SESSION_STATUSES })
  status?: SessionStatus;
}

export class BindSessionDto {
  @IsUUID('all')
  @ApiProperty({ format: 'uuid', description: "A tool or chat session of the caller's" })
  session_id!: string;
}

export class SessionTokenDto {
  @ApiProperty({ description: 'JWT for `Authorization: Bearer …`, binding the session' })
  access_token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type!: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 })
  expires_in!: number;

  @ApiProperty({ format: 'uuid' }) session_id!: string;
  @ApiProperty({ enum: SESSION_KINDS }) session_kind!: SessionKind;
}
