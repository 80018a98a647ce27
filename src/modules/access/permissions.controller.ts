import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { PathId, PathIds } from '../../core/http/id.param';
import type { Actor } from '../../core/hub/actor';
import { Operation } from '../../core/hub/operation.decorator';
import { AccessService } from './access.service';
import {
  CheckPermissionQuery,
  GrantPermissionDto,
  PermissionCheckDto,
  PermissionDto,
  PermissionListDto,
} from './dto/permissions.dto';
import { CurrentActor } from '../auth';

@ApiTags('Casefiles')
@Controller('casefiles/:id/permissions')
export class PermissionsController {
  constructor(private readonly access: AccessService) {}

  @Post()
  @HttpCode(200)
  @Operation('grant_permission', {
    summary: 'Grant or change a permission (manager)',
    errors: ['NF_CASEFILE', 'NF_USER', 'BR_OWNER_PERMISSION'],
  })
  @ApiEnvelopeResponse(PermissionDto)
  grant(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Body() dto: GrantPermissionDto,
  ): Promise<PermissionDto> {
    return this.access.grant(actor, id, dto);
  }

  @Get()
  @Operation('list_permissions', {
    summary: 'The owner and every grant (viewer)',
    errors: ['NF_CASEFILE'],
  })
  @ApiEnvelopeResponse(PermissionListDto)
  list(@CurrentActor() actor: Actor, @PathId() id: string): Promise<PermissionListDto> {
    return this.access.list(actor, id);
  }

  @Get('check')
  @Operation('check_permission', {
    summary: 'Whether a user (default: the caller) has a level',
    errors: ['NF_CASEFILE'],
  })
  @ApiEnvelopeResponse(PermissionCheckDto)
  check(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Query() query: CheckPermissionQuery,
  ): Promise<PermissionCheckDto> {
    return this.access.check(actor, id, query);
  }

  @Delete(':user_id')
  @HttpCode(204)
  @Operation('revoke_permission', {
    summary: 'Revoke a grant (manager); access ends at once',
    errors: ['NF_CASEFILE', 'BR_OWNER_PERMISSION'],
  })
  revoke(
    @CurrentActor() actor: Actor,
    @PathIds('id', 'user_id') params: { id: string; user_id: string },
  ): Promise<void> {
    return this.access.revoke(actor, params.id, params.user_id);
  }
}
