import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ToolSessionsModule } from '../tool-sessions/tool-sessions.module';
import { CasefilesController } from './casefiles.controller';
import { CasefilesRepository } from './casefiles.repository';
import { CasefilesService } from './casefiles.service';

@Module({
  imports: [AccessModule, AuditModule, AuthModule, ToolSessionsModule],
  controllers: [CasefilesController],
  providers: [CasefilesService, CasefilesRepository],
  exports: [CasefilesService],
})
export class CasefilesModule {}
