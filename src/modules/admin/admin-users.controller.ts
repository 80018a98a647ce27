import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { PathId } from '../../core/http/id.param';
import { type Page, PageDto } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import { Operation } from '../../core/hub/operation.decorator';
import { CurrentActor, ListUsersQuery, Roles, UpdateUserDto, UserDto, UsersService } from '../auth';

@ApiTags('Admin')
@Roles('admin', 'super_admin')
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Operation('admin_list_users', {
    summary: 'Every user, newest first, with filters (admin)',
    errors: ['VAL_INVALID_CURSOR'],
  })
  @ApiEnvelopeResponse(PageDto(UserDto))
  list(@Query() query: ListUsersQuery): Promise<Page<UserDto>> {
    return this.users.list(query);
  }

  @Patch(':id')
  @Operation('admin_update_user', {
    summary: "Change a user's role or active state (admin)",
    errors: ['NF_USER'],
  })
  @ApiEnvelopeResponse(UserDto)
  update(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserDto> {
    return this.users.update(actor, id, dto);
  }
}
