import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { PathId } from '../../core/http/id.param';
import { type Page, PageDto } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import { Operation } from '../../core/hub/operation.decorator';
import { CurrentActor, Roles } from '../auth';
import {
  AdminCasefileDto,
  AdminListCasefilesQuery,
  CasefilesService,
  TransferCasefileDto,
} from '../casefiles';

@ApiTags('Admin')
@Roles('admin', 'super_admin')
@Controller('admin/casefiles')
export class AdminCasefilesController {
  constructor(private readonly casefiles: CasefilesService) {}

  @Get()
  @Operation('admin_list_casefiles', {
    summary: 'Every casefile; deleted ones on request',
    errors: ['VAL_INVALID_CURSOR'],
  })
  @ApiEnvelopeResponse(PageDto(AdminCasefileDto))
  list(
    @CurrentActor() actor: Actor,
    @Query() query: AdminListCasefilesQuery,
  ): Promise<Page<AdminCasefileDto>> {
    return this.casefiles.adminList(actor, query);
  }

  @Post(':id/transfer')
  @HttpCode(200)
  @Operation('admin_transfer_casefile', {
    summary: 'Give the casefile a new owner; the old owner becomes manager',
    errors: ['NF_CASEFILE', 'NF_USER'],
  })
  @ApiEnvelopeResponse(AdminCasefileDto)
  transfer(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Body() dto: TransferCasefileDto,
  ): Promise<AdminCasefileDto> {
    return this.casefiles.transfer(actor, id, dto.new_owner_id);
  }
}
