import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { IdParam } from '../../core/http/id.param';
import { type Page, PageQuery } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import { Operation } from '../../core/hub/operation.decorator';
import { Idempotent } from '../../core/idempotency/idempotent.decorator';
import { CasefileEventDto, CasefileEventPageDto } from '../audit/audit.dto';
import { CurrentActor } from '../auth/current-actor.decorator';
import { ToolSessionDto } from '../tool-sessions/dto/tool-session.dto';
import { CasefilesService } from './casefiles.service';
import { AddSessionDto } from './dto/casefile-actions.dto';
import {
  CreateCasefileDto,
  CreateCasefileWithSessionDto,
  UpdateCasefileDto,
} from './dto/create-casefile.dto';
import {
  CasefilePageDto,
  CasefileResponse,
  CasefileWithSessionResponse,
} from './dto/casefile.response';
import { ListCasefilesQuery, QueryCasefilesDto } from './dto/list-casefiles.query';
import { etagOf, parseIfMatch } from './etag';

@ApiTags('Casefiles')
@Controller('casefiles')
export class CasefilesController {
  constructor(private readonly casefiles: CasefilesService) {}

  @Post()
  @Idempotent()
  @Operation('create_casefile')
  @ApiEnvelopeResponse(CasefileResponse, { status: 201 })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateCasefileDto): Promise<CasefileResponse> {
    return this.casefiles.create(actor, dto);
  }

  @Post('with-session')
  @Idempotent()
  @Operation('create_casefile_with_session', {
    summary: 'Create a casefile and a tool session in it, both or neither',
  })
  @ApiEnvelopeResponse(CasefileWithSessionResponse, { status: 201 })
  createWithSession(
    @CurrentActor() actor: Actor,
    @Body() dto: CreateCasefileWithSessionDto,
  ): Promise<CasefileWithSessionResponse> {
    return this.casefiles.createWithSession(actor, dto);
  }

  @Get()
  @Operation('list_casefiles', { summary: 'Casefiles the caller owns or has been granted' })
  @ApiEnvelopeResponse(CasefilePageDto)
  list(
    @CurrentActor() actor: Actor,
    @Query() query: ListCasefilesQuery,
  ): Promise<Page<CasefileResponse>> {
    return this.casefiles.list(actor, query);
  }

  @Post('query')
  @HttpCode(200)
  @Operation('query_casefiles', {
    summary: 'Filter visible casefiles by field/operator/value (AND), keyset-paginated',
  })
  @ApiEnvelopeResponse(CasefilePageDto)
  query(
    @CurrentActor() actor: Actor,
    @Body() dto: QueryCasefilesDto,
  ): Promise<Page<CasefileResponse>> {
    return this.casefiles.query(actor, dto);
  }

  @Get(':id')
  @Operation('get_casefile', { summary: 'One casefile (viewer); ETag is its version' })
  @ApiEnvelopeResponse(CasefileResponse)
  async get(
    @CurrentActor() actor: Actor,
    @Param() { id }: IdParam,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CasefileResponse> {
    const casefile = await this.casefiles.get(actor, id);
    res.setHeader('ETag', etagOf(casefile.version));
    return casefile;
  }

  @Patch(':id')
  @Operation('update_casefile', { summary: 'Change title, description or tags (editor)' })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The ETag of GET ("<version>"); a stale one → 412 CF_VERSION_MISMATCH',
  })
  @ApiEnvelopeResponse(CasefileResponse)
  async update(
    @CurrentActor() actor: Actor,
    @Param() { id }: IdParam,
    @Body() dto: UpdateCasefileDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CasefileResponse> {
    const casefile = await this.casefiles.update(actor, id, dto, parseIfMatch(ifMatch));
    res.setHeader('ETag', etagOf(casefile.version));
    return casefile;
  }

  @Delete(':id')
  @HttpCode(204)
  @Operation('delete_casefile', { summary: 'Soft delete (owner)' })
  remove(@CurrentActor() actor: Actor, @Param() { id }: IdParam): Promise<void> {
    return this.casefiles.remove(actor, id);
  }

  @Post(':id/sessions')
  @HttpCode(200)
  @Operation('add_session_to_casefile', {
    summary: "Attach the caller's own unattached tool session (editor)",
  })
  @ApiEnvelopeResponse(ToolSessionDto)
  addSession(
    @CurrentActor() actor: Actor,
    @Param() { id }: IdParam,
    @Body() dto: AddSessionDto,
  ): Promise<ToolSessionDto> {
    return this.casefiles.addSession(actor, id, dto.session_id);
  }

  @Get(':id/events')
  @Operation('list_casefile_events', { summary: "The casefile's audit timeline, newest first" })
  @ApiEnvelopeResponse(CasefileEventPageDto)
  events(
    @CurrentActor() actor: Actor,
    @Param() { id }: IdParam,
    @Query() page: PageQuery,
  ): Promise<Page<CasefileEventDto>> {
    return this.casefiles.events(actor, id, page);
  }
}
