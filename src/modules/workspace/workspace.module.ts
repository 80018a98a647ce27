import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { provideCasefileContents } from '../casefiles';
import { workspaceContents } from './workspace.contents';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { SYNC_ITEMS_TOTAL, SYNC_RUNS_TOTAL } from './sync/sync.metrics';
import { DriveFilesRepository } from './drive/drive-files.repository';
import { GmailMessagesRepository } from './gmail/gmail-messages.repository';
import { WorkspaceSearchRepository } from './search/workspace-search.repository';
import { SheetRangesRepository } from './sheets/sheet-ranges.repository';
import { GoogleApiClient } from './sync/google-api.client';
import { GooglePull } from './sync/google-pull';
import { GmailPull } from './sync/gmail-pull';
import { DrivePull } from './sync/drive-pull';
import { SyncJobsController } from './sync/sync-jobs.controller';
import { SyncJobsRepository } from './sync/sync-jobs.repository';
import { SyncJobFollower } from './sync/sync-job-follower';
import { SyncJobsService } from './sync/sync-jobs.service';
import { SyncScheduler } from './sync/sync-scheduler';
import { SyncSourcesController } from './sync/sync-sources.controller';
import { SyncSourcesRepository } from './sync/sync-sources.repository';
import { SyncSourcesService } from './sync/sync-sources.service';
import { SyncQueue } from './sync/sync-queue';
import { SyncRunner } from './sync/sync-runner';
import { WorkspaceController } from './workspace.controller';
import { WorkspaceService } from './workspace.service';
import { JobQueueModule } from '../../platform/queue/job-queue.module';
import { AccessModule } from '../access';
import { AuditModule } from '../audit';
import { GoogleModule } from '../google';
import { toolsIn } from '../tool-sessions';

/**
 * Workspace data (API.md §7): Gmail, Drive and Sheets imports, lists and search, and pull-sync
 * jobs from the Google APIs on the job queue; and the casefile
 * tools (API.md §5.1), one `tools/*.tool.ts` file each, which the tool registry finds.
 */
@Module({
  imports: [AccessModule, AuditModule, GoogleModule, JobQueueModule],
  controllers: [WorkspaceController, SyncJobsController, SyncSourcesController],
  providers: [
    provideCasefileContents('workspace', workspaceContents),
    WorkspaceService,
    GmailMessagesRepository,
    DriveFilesRepository,
    SheetRangesRepository,
    WorkspaceSearchRepository,
    SyncJobsService,
    SyncJobsRepository,
    SyncJobFollower,
    SyncSourcesService,
    SyncSourcesRepository,
    SyncScheduler,
    SyncQueue,
    SyncRunner,
    GooglePull,
    GmailPull,
    DrivePull,
    GoogleApiClient,
    makeCounterProvider({
      name: SYNC_RUNS_TOTAL,
      help: 'Sync jobs ended, by source, trigger (manual, schedule, one_shot) and status (succeeded, failed, cancelled)',
      labelNames: ['source', 'trigger', 'status'],
    }),
    makeCounterProvider({
      name: SYNC_ITEMS_TOTAL,
      help: 'Items sync jobs stored, removed or skipped, by source and change (created, updated, unchanged, removed, skipped)',
      labelNames: ['source', 'change'],
    }),
    ...toolsIn(join(__dirname, 'tools')),
  ],
  exports: [WorkspaceService],
})
export class WorkspaceModule {}
