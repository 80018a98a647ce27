import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { CasefileSessionsController } from './casefile-sessions.controller';
import { ToolSessionsRepository } from './tool-sessions.repository';
import { ToolSessionsService } from './tool-sessions.service';

/** Tool sessions (API.md §5); uses CasefilesService from the (global) CasefilesModule. */
@Module({
  imports: [AccessModule, AuditModule],
  controllers: [CasefileSessionsController],
  providers: [ToolSessionsService, ToolSessionsRepository],
  exports: [ToolSessionsService],
})
export class ToolSessionsModule {}
