import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { PathId } from '../../core/http/id.param';
import { type Page, PageDto, PageQuery } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import { Operation } from '../../core/hub/operation.decorator';
import { Idempotent } from '../../core/idempotency/idempotent.decorator';
import { CasefilesService } from './casefiles.service';
import { CreateCasefileDto, UpdateCasefileDto } from './dto/create-casefile.dto';
import { CasefileDto } from './dto/casefile.dto';
import { ListCasefilesQuery, QueryCasefilesDto } from './dto/list-casefiles.dto';
import { etagOf, parseIfMatch } from './etag';
import { CasefileEventDto } from '../audit';
import { CurrentActor } from '../auth';

@ApiTags('Casefiles')
@Controller('casefiles')
export class CasefilesController {
  constructor(private readonly casefiles: CasefilesService) {}

  @Post()
  @Idempotent()
  @Operation('create_casefile', { summary: 'Create a casefile (the caller owns it)', errors: [] })
  @ApiEnvelopeResponse(CasefileDto, { status: 201 })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateCasefileDto): Promise<CasefileDto> {
    return this.casefiles.create(actor, dto);
  }

  @Get()
  @Operation('list_casefiles', {
    summary: 'Casefiles the caller owns or has been granted',
    errors: ['VAL_INVALID_CURSOR'],
  })
  @ApiEnvelopeResponse(PageDto(CasefileDto))
  list(
    @CurrentActor() actor: Actor,
    @Query() query: ListCasefilesQuery,
  ): Promise<Page<CasefileDto>> {
    return this.casefiles.list(actor, query);
  }

  @Post('query')
  @HttpCode(200)
  @Operation('query_casefiles', {
    summary: 'Filter visible casefiles by field/operator/value (AND), keyset-paginated',
    errors: ['VAL_INVALID_CURSOR'],
  })
  @ApiEnvelopeResponse(PageDto(CasefileDto))
  query(@CurrentActor() actor: Actor, @Body() dto: QueryCasefilesDto): Promise<Page<CasefileDto>> {
    return this.casefiles.query(actor, dto);
  }

  @Get(':id')
  @Operation('get_casefile', {
    summary: 'One casefile (viewer); ETag is its version',
    errors: ['NF_CASEFILE'],
  })
  @ApiEnvelopeResponse(CasefileDto)
  async get(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CasefileDto> {
    const casefile = await this.casefiles.get(actor, id);
    res.setHeader('ETag', etagOf(casefile.version));
    return casefile;
  }

  @Patch(':id')
  @Operation('update_casefile', {
    summary: 'Change title, description or tags (editor)',
    errors: ['NF_CASEFILE', 'CF_VERSION_MISMATCH'],
  })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The ETag of GET ("<version>"); a stale one → 412 CF_VERSION_MISMATCH',
  })
  @ApiEnvelopeResponse(CasefileDto)
  async update(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Body() dto: UpdateCasefileDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CasefileDto> {
    const casefile = await this.casefiles.update(actor, id, dto, parseIfMatch(ifMatch));
    res.setHeader('ETag', etagOf(casefile.version));
    return casefile;
  }

  @Delete(':id')
  @HttpCode(204)
  @Operation('delete_casefile', { summary: 'Soft delete (owner)', errors: ['NF_CASEFILE'] })
  remove(@CurrentActor() actor: Actor, @PathId() id: string): Promise<void> {
    return this.casefiles.remove(actor, id);
  }

  @Get(':id/events')
  @Operation('list_casefile_events', {
    summary: "The casefile's audit timeline, newest first",
    errors: ['NF_CASEFILE', 'VAL_INVALID_CURSOR'],
  })
  @ApiEnvelopeResponse(PageDto(CasefileEventDto))
  events(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Query() page: PageQuery,
  ): Promise<Page<CasefileEventDto>> {
    return this.casefiles.events(actor, id, page);
  }
}
