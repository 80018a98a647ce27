import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { type Page, PageDto } from '../../core/http/pagination';
import { Operation } from '../../core/hub/operation.decorator';
import {
  AuditChain,
  AuditEventDto,
  AuditService,
  AuditVerifyDto,
  ListAuditEventsQuery,
} from '../audit';
import { Roles } from '../auth';

@ApiTags('Admin')
@Roles('admin', 'super_admin')
@Controller('admin/audit-events')
export class AdminAuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly chain: AuditChain,
  ) {}

  @Get('verify')
  @Operation('admin_verify_audit', {
    summary: 'Recompute the hash chain of sealed audit events and name the first bad one',
    errors: [],
  })
  @ApiEnvelopeResponse(AuditVerifyDto)
  verify(): Promise<AuditVerifyDto> {
    return this.chain.verify();
  }

  @Get()
  @Operation('admin_list_audit_events', {
    summary: 'The audit log, newest first, with filters',
    errors: ['VAL_INVALID_CURSOR'],
  })
  @ApiEnvelopeResponse(PageDto(AuditEventDto))
  list(@Query() query: ListAuditEventsQuery): Promise<Page<AuditEventDto>> {
    return this.audit.list(query);
  }
}
