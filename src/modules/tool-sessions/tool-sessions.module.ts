import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ToolSessionsRepository } from './tool-sessions.repository';
import { ToolSessionsService } from './tool-sessions.service';

@Module({
  imports: [AuditModule],
  providers: [ToolSessionsService, ToolSessionsRepository],
  exports: [ToolSessionsService],
})
export class ToolSessionsModule {}
