import { Module } from '@nestjs/common';
import { CasefilesModule } from '../casefiles';
import { AdminCasefilesController } from './admin-casefiles.controller';
import { AdminAuditController } from './admin-audit.controller';
import { AdminUsersController } from './admin-users.controller';
import { AuditModule } from '../audit';
import { AuthModule } from '../auth';

/** Role-guarded routes over the other modules' services (API.md §8). */
@Module({
  imports: [AuthModule, AuditModule, CasefilesModule],
  controllers: [AdminUsersController, AdminCasefilesController, AdminAuditController],
})
export class AdminModule {}
