import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { IdParam } from '../../core/http/id.param';
import type { Actor } from '../../core/hub/actor';
import { Operation } from '../../core/hub/operation.decorator';
import { CurrentActor } from '../auth/current-actor.decorator';
import { AccessService } from './access.service';
import {
  CheckPermissionQuery,
  GrantPermissionDto,
  PermissionCheckDto,
  PermissionDto,
  PermissionListDto,
  PermissionPathParams,
} from './dto/permissions.dto';

@ApiTags('Casefiles')
@Controller('casefiles/:id/permissions')
export class PermissionsController {
  constructor(private readonly access: AccessService) {}

  @Post()
  @HttpCode(200)
  @Operation('grant_permission', { summary: 'Grant or change a permission (manager)' })
  @ApiEnvelopeResponse(PermissionDto)
  grant(
    @CurrentActor() actor: Actor,
    @Param() { id }: IdParam,
    @Body() dto: GrantPermissionDto,
  ): Promise<PermissionDto> {
    return this.access.grant(actor, id, dto);
  }

  @Get()
  @Operation('list_permissions', { summary: 'The owner and every grant (viewer)' })
  @ApiEnvelopeResponse(PermissionListDto)
  list(@CurrentActor() actor: Actor, @Param() { id }: IdParam): Promise<PermissionListDto> {
    return this.access.list(actor, id);
  }

  @Get('check')
  @Operation('check_permission', { summary: 'Whether a user (default: the caller) has a level' })
  @ApiEnvelopeResponse(PermissionCheckDto)
  check(
    @CurrentActor() actor: Actor,
    @Param() { id }: IdParam,
    @Query() query: CheckPermissionQuery,
  ): Promise<PermissionCheckDto> {
    return this.access.check(actor, id, query);
  }

  @Delete(':user_id')
  @HttpCode(204)
  @Operation('revoke_permission', { summary: 'Revoke a grant (manager); access ends at once' })
  revoke(@CurrentActor() actor: Actor, @Param() params: PermissionPathParams): Promise<void> {
    return this.access.revoke(actor, params.id, params.user_id);
  }
}
