import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsTimestamp } from '../../../core/http/timestamps';
import { PageQuery } from '../../../core/http/pagination';
import type { AuditStatus } from '../audit-event.entity';
import type { AuditEventRow } from '../audit.repository';

const STATUSES = ['success', 'failure'] as const;

export class ListAuditEventsQuery extends PageQuery {
  @IsOptional()
  @IsUUID('all')
  user_id?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  operation?: string;

  @IsOptional()
  @IsUUID('all')
  casefile_id?: string;

  @IsOptional()
  @IsIn(STATUSES)
  @ApiPropertyOptional({ enum: STATUSES })
  status?: AuditStatus;

  /** Only events after this instant (ISO 8601). */
  @IsOptional()
  @IsTimestamp()
  after?: string;

  /** Only events before this instant (ISO 8601). */
  @IsOptional()
  @IsTimestamp()
  before?: string;
}

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() request_id!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) user_id!: string | null;
  @ApiProperty({ example: 'admin_update_user' }) operation!: string;
  @ApiProperty({ type: String, nullable: true, example: 'user' }) resource_type!: string | null;
  @ApiProperty({ type: String, nullable: true }) resource_id!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) casefile_id!: string | null;
  @ApiProperty({ enum: STATUSES }) status!: AuditStatus;
  @ApiProperty({ example: 200 }) http_status!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true }) user_agent!: string | null;
}

export function toAuditEventDto(event: AuditEventRow): AuditEventDto {
  return {
    id: event.id,
    at: event.at.toISOString(),
    request_id: event.requestId,
    user_id: event.userId,
    operation: event.operation,
    resource_type: event.resourceType,
    resource_id: event.resourceId,
    casefile_id: event.casefileId,
    status: event.status,
    http_status: event.httpStatus,
    details: event.details,
    ip: event.ip,
    user_agent: event.userAgent,
  };
}

export class AuditVerifyDto {
  @ApiProperty({ description: 'Whether every sealed event is intact and none is missing' })
  ok!: boolean;

  @ApiProperty({ description: 'Sealed events checked' })
  checked!: number;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The first event that was changed, or that follows a deleted one',
  })
  first_bad_event_id!: string | null;
}

const HIDDEN_FROM_TIMELINE = ['casefile_id', 'ip', 'user_agent'] as const;

/**
 * An event on a casefile's timeline, for anyone who can read the casefile: who did what and when,
 * without the client's address or user agent (those stay in the admin log).
 */
export class CasefileEventDto extends OmitType(AuditEventDto, HIDDEN_FROM_TIMELINE) {}

export function toCasefileEventDto(event: AuditEventRow): CasefileEventDto {
  const hidden: readonly string[] = HIDDEN_FROM_TIMELINE;
  return Object.fromEntries(
    Object.entries(toAuditEventDto(event)).filter(([field]) => !hidden.includes(field)),
  ) as CasefileEventDto;
}
