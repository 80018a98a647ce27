import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { toolsIn } from '../tool-sessions/registry/tool-files';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { DriveFilesRepository } from './drive/drive-files.repository';
import { GmailMessagesRepository } from './gmail/gmail-messages.repository';
import { WorkspaceSearchRepository } from './search/workspace-search.repository';
import { SheetRangesRepository } from './sheets/sheet-ranges.repository';
import { WorkspaceController } from './workspace.controller';
import { WorkspaceService } from './workspace.service';

/**
 * Workspace data (API.md §7): Gmail, Drive and Sheets imports, lists and search; and the casefile
 * tools (API.md §5.1), one `tools/*.tool.ts` file each, which the tool registry finds.
 */
@Module({
  imports: [AccessModule, AuditModule],
  controllers: [WorkspaceController],
  providers: [
    WorkspaceService,
    GmailMessagesRepository,
    DriveFilesRepository,
    SheetRangesRepository,
    WorkspaceSearchRepository,
    ...toolsIn(join(__dirname, 'tools')),
  ],
  exports: [WorkspaceService],
})
export class WorkspaceModule {}
