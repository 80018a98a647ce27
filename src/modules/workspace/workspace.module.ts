import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { DriveFilesRepository } from './drive/drive-files.repository';
import { GmailMessagesRepository } from './gmail/gmail-messages.repository';
import { WorkspaceSearchRepository } from './search/workspace-search.repository';
import { SheetRangesRepository } from './sheets/sheet-ranges.repository';
import { WorkspaceController } from './workspace.controller';
import { WorkspaceService } from './workspace.service';

/** Workspace data (API.md §7): Gmail, Drive and Sheets imports, lists and search. */
@Module({
  imports: [AccessModule, AuditModule],
  controllers: [WorkspaceController],
  providers: [
    WorkspaceService,
    GmailMessagesRepository,
    DriveFilesRepository,
    SheetRangesRepository,
    WorkspaceSearchRepository,
  ],
  exports: [WorkspaceService],
})
export class WorkspaceModule {}
