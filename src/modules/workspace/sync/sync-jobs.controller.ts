import { Body, Controller, Get, Headers, HttpCode, Post, Query } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { SseEvent } from '../../../core/http/event-stream';
import {
  ApiEnvelopeResponse,
  ApiEventStreamResponse,
} from '../../../core/http/api-envelope.decorator';
import { PathId } from '../../../core/http/id.param';
import type { Actor } from '../../../core/hub/actor';
import { Operation } from '../../../core/hub/operation.decorator';
import {
  CreateSyncJobDto,
  FollowSyncJobQuery,
  ListSyncJobsQuery,
  SyncJobDto,
} from './dto/sync-jobs.dto';
import { SyncJobFollower } from './sync-job-follower';
import { type Page, PageDto } from '../../../core/http/pagination';
import { SyncJobsService } from './sync-jobs.service';
import { CurrentActor } from '../../auth';

/**
 * Google pull-sync jobs (API.md §7): queued by an editor, followed by the casefile's viewers,
 * cancelled by their creator or a manager.
 */
@ApiTags('Workspace')
@Controller()
export class SyncJobsController {
  constructor(
    private readonly syncJobs: SyncJobsService,
    private readonly follower: SyncJobFollower,
  ) {}

  @Post('casefiles/:id/sync-jobs')
  @HttpCode(202)
  @Operation('create_sync_job', {
    summary: 'Queue a pull from Gmail, Drive or Sheets into the casefile',
    errors: ['NF_CASEFILE'],
  })
  @ApiEnvelopeResponse(SyncJobDto, { status: 202, description: 'Queued' })
  create(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Body() dto: CreateSyncJobDto,
  ): Promise<SyncJobDto> {
    return this.syncJobs.create(actor, id, dto);
  }

  @Get('casefiles/:id/sync-jobs')
  @Operation('list_sync_jobs', {
    summary: "The casefile's sync jobs, newest first (its viewers)",
    errors: ['NF_CASEFILE'],
  })
  @ApiEnvelopeResponse(PageDto(SyncJobDto))
  list(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Query() query: ListSyncJobsQuery,
  ): Promise<Page<SyncJobDto>> {
    return this.syncJobs.list(actor, id, query);
  }

  @Post('sync-jobs/:id/cancel')
  @HttpCode(200)
  @Operation('cancel_sync_job', {
    summary: 'Cancel a job (its creator or a manager): it ends after the page in flight',
    errors: ['NF_SYNC_JOB'],
  })
  @ApiEnvelopeResponse(SyncJobDto)
  cancel(@CurrentActor() actor: Actor, @PathId() id: string): Promise<SyncJobDto> {
    return this.syncJobs.cancel(actor, id);
  }

  @Get('sync-jobs/:id/events')
  @Operation('follow_sync_job', {
    summary: "A job's progress as it changes, until it ends (any instance; resumable)",
    errors: ['NF_SYNC_JOB'],
    streams: 'only',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The last event id seen' })
  @ApiEventStreamResponse(
    'Events `progress` (the job, each time it changed) and `done` (the job as it ended); each ' +
      'has an `id:`; after Last-Event-ID, the job as it stands if it changed since',
  )
  follow(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query() query: FollowSyncJobQuery,
  ): Promise<AsyncIterable<SseEvent>> {
    return this.follower.follow(actor, id, lastEventId ?? query.last_event_id);
  }

  @Get('sync-jobs/:id')
  @Operation('get_sync_job', {
    summary: "A sync job's status and progress",
    errors: ['NF_SYNC_JOB'],
  })
  @ApiEnvelopeResponse(SyncJobDto)
  get(@CurrentActor() actor: Actor, @PathId() id: string): Promise<SyncJobDto> {
    return this.syncJobs.get(actor, id);
  }
}
