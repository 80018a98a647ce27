import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../../core/http/api-envelope.decorator';
import { type Page, PageDto } from '../../../core/http/pagination';
import { PathId } from '../../../core/http/id.param';
import { Idempotent } from '../../../core/idempotency/idempotent.decorator';
import type { Actor } from '../../../core/hub/actor';
import { Operation } from '../../../core/hub/operation.decorator';
import { CurrentActor } from '../current-actor.decorator';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from '../dto/api-keys.dto';
import { ApiKeysService } from './api-keys.service';

@ApiTags('Auth')
@Controller('auth/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @Idempotent({ secretFields: ['key'] })
  @Operation('create_api_key', {
    summary: 'Create an API key; the key is shown only in this answer',
    errors: [],
  })
  @ApiEnvelopeResponse(CreatedApiKeyDto, { status: 201 })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(actor, dto);
  }

  @Get()
  @Operation('list_api_keys', {
    summary: "The caller's active API keys (never the secret)",
    errors: [],
  })
  @ApiEnvelopeResponse(PageDto(ApiKeyDto))
  list(@CurrentActor() actor: Actor): Promise<Page<ApiKeyDto>> {
    return this.apiKeys.list(actor);
  }

  @Delete(':id')
  @HttpCode(204)
  @Operation('revoke_api_key', {
    summary: 'Revoke an API key; it stops working at once',
    errors: ['NF_API_KEY'],
    transaction: false,
  })
  revoke(@CurrentActor() actor: Actor, @PathId() id: string): Promise<void> {
    return this.apiKeys.revoke(actor, id);
  }
}
