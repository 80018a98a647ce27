import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../../core/http/api-envelope.decorator';
import { PathId } from '../../../core/http/id.param';
import { type Page, PageDto, PageQuery } from '../../../core/http/pagination';
import type { Actor } from '../../../core/hub/actor';
import { Idempotent } from '../../../core/idempotency/idempotent.decorator';
import { Operation } from '../../../core/hub/operation.decorator';
import { SyncJobDto } from './dto/sync-jobs.dto';
import { CreateSyncSourceDto, SyncSourceDto, UpdateSyncSourceDto } from './dto/sync-sources.dto';
import { SyncSourcesService } from './sync-sources.service';
import { CurrentActor } from '../../auth';

/**
 * Sync sources (API.md §7.1): a casefile's standing pull from Google through one of its editor's
 * connections, on a schedule or on demand; its casefile's viewers see it, editors manage it.
 */
@ApiTags('Workspace')
@Controller()
export class SyncSourcesController {
  constructor(private readonly sources: SyncSourcesService) {}

  @Post('casefiles/:id/sync-sources')
  @Idempotent()
  @Operation('create_sync_source', {
    summary: 'Pull from Gmail, Drive or Sheets into the casefile on a schedule (editor)',
    errors: [
      'NF_CASEFILE',
      'NF_GOOGLE_CONNECTION',
      'BR_GOOGLE_CONNECTION_REVOKED',
      'BR_GOOGLE_SCOPE_MISSING',
    ],
  })
  @ApiEnvelopeResponse(SyncSourceDto, { status: 201, description: 'Created' })
  create(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Body() dto: CreateSyncSourceDto,
  ): Promise<SyncSourceDto> {
    return this.sources.create(actor, id, dto);
  }

  @Get('casefiles/:id/sync-sources')
  @Operation('list_sync_sources', {
    summary: "The casefile's sync sources, oldest first (its viewers)",
    errors: ['NF_CASEFILE', 'VAL_INVALID_CURSOR'],
  })
  @ApiEnvelopeResponse(PageDto(SyncSourceDto))
  list(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Query() query: PageQuery,
  ): Promise<Page<SyncSourceDto>> {
    return this.sources.list(actor, id, query);
  }

  @Get('sync-sources/:id')
  @Operation('get_sync_source', {
    summary: 'A sync source: its schedule, state and last run',
    errors: ['NF_SYNC_SOURCE'],
  })
  @ApiEnvelopeResponse(SyncSourceDto)
  get(@CurrentActor() actor: Actor, @PathId() id: string): Promise<SyncSourceDto> {
    return this.sources.get(actor, id);
  }

  @Patch('sync-sources/:id')
  @Operation('update_sync_source', {
    summary: 'Pause or resume a sync source, change its interval or query (editor)',
    errors: ['NF_SYNC_SOURCE'],
  })
  @ApiEnvelopeResponse(SyncSourceDto)
  update(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Body() dto: UpdateSyncSourceDto,
  ): Promise<SyncSourceDto> {
    return this.sources.update(actor, id, dto);
  }

  @Delete('sync-sources/:id')
  @HttpCode(204)
  @Operation('delete_sync_source', {
    summary: 'Delete a sync source (editor); its running job is cancelled, past jobs stay',
    errors: ['NF_SYNC_SOURCE'],
  })
  remove(@CurrentActor() actor: Actor, @PathId() id: string): Promise<void> {
    return this.sources.remove(actor, id);
  }

  @Post('sync-sources/:id/run')
  @HttpCode(202)
  @Operation('run_sync_source', {
    summary: 'Run a sync source now (editor): its job, or the one already queued or running',
    errors: ['NF_SYNC_SOURCE'],
  })
  @ApiEnvelopeResponse(SyncJobDto, { status: 202, description: 'Queued (or already running)' })
  run(@CurrentActor() actor: Actor, @PathId() id: string): Promise<SyncJobDto> {
    return this.sources.run(actor, id);
  }
}
