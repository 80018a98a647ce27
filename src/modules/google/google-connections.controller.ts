import { Body, Controller, Delete, Get, HttpCode, Post, Query, Redirect } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { PathId } from '../../core/http/id.param';
import { type Page, PageDto, PageQuery } from '../../core/http/pagination';
import { Public } from '../../core/http/public.decorator';
import type { Actor } from '../../core/hub/actor';
import { Operation } from '../../core/hub/operation.decorator';
import { Idempotent } from '../../core/idempotency/idempotent.decorator';
import { CurrentActor } from '../auth';
import {
  ConfirmGoogleConnectionDto,
  GoogleConnectionDto,
  GoogleOAuthCallbackExtras,
  StartedGoogleConnectionDto,
  StartGoogleConnectionDto,
} from './dto/google-connections.dto';
import { GoogleConnectionsService } from './google-connections.service';

@ApiTags('Google connections')
@Controller('google')
export class GoogleConnectionsController {
  constructor(private readonly connections: GoogleConnectionsService) {}

  @Post('connections')
  @Idempotent({ secretFields: ['authorization_url'] })
  @Operation('start_google_connection', {
    summary: "Connect a Google account: a pending connection and Google's consent URL",
    errors: ['SYS_GOOGLE_NOT_CONFIGURED'],
  })
  @ApiEnvelopeResponse(StartedGoogleConnectionDto, { status: 201 })
  start(
    @CurrentActor() actor: Actor,
    @Body() dto: StartGoogleConnectionDto,
  ): Promise<StartedGoogleConnectionDto> {
    return this.connections.start(actor, dto);
  }

  @Get('oauth/callback')
  @Public()
  @Redirect()
  @Operation('google_oauth_callback', {
    summary:
      "Google's redirect back (the browser's, not a client's call): keeps the code and sends the browser to the connection's return URL with `connection_id` and `confirmation` (for the user's client to confirm), or with `error`",
    errors: [],
    envelope: false,
    transaction: false,
  })
  @ApiResponse({
    status: 302,
    description:
      'To the return URL given when the connection started, with `?connection_id=&confirmation=` (to confirm) or `?error=` (`access_denied`, `invalid_request`)',
    headers: { Location: { schema: { type: 'string', format: 'uri' } } },
  })
  async callback(
    @Query() query: GoogleOAuthCallbackExtras,
  ): Promise<{ url: string; statusCode: number }> {
    return { url: await this.connections.callback(query), statusCode: 302 };
  }

  @Post('connections/:id/confirm')
  @HttpCode(200)
  @Operation('confirm_google_connection', {
    summary:
      'Confirm the connection the browser came back with (its `connection_id` and `confirmation`): the code is exchanged and the connection becomes active',
    errors: ['NF_GOOGLE_CONNECTION', 'SYS_UPSTREAM_ERROR'],
    transaction: false,
  })
  @ApiEnvelopeResponse(GoogleConnectionDto)
  confirm(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Body() dto: ConfirmGoogleConnectionDto,
  ): Promise<GoogleConnectionDto> {
    return this.connections.confirm(actor, id, dto);
  }

  @Get('connections')
  @Operation('list_google_connections', {
    summary: "The caller's Google connections, newest first (never a token)",
    errors: [],
  })
  @ApiEnvelopeResponse(PageDto(GoogleConnectionDto))
  list(
    @CurrentActor() actor: Actor,
    @Query() query: PageQuery,
  ): Promise<Page<GoogleConnectionDto>> {
    return this.connections.list(actor, query);
  }

  @Delete('connections/:id')
  @HttpCode(204)
  @Operation('delete_google_connection', {
    summary: 'Revoke a Google connection: its token is forgotten here and revoked at Google',
    errors: ['NF_GOOGLE_CONNECTION'],
    transaction: false,
  })
  remove(@CurrentActor() actor: Actor, @PathId() id: string): Promise<void> {
    return this.connections.remove(actor, id);
  }
}
