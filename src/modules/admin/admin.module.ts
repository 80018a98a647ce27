import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { AdminCasefilesController } from './admin-casefiles.controller';
import { AdminAuditController } from './admin-audit.controller';
import { AdminUsersController } from './admin-users.controller';

/** Role-guarded routes over the other modules' services (API.md §8). */
@Module({
  imports: [AuthModule, AuditModule],
  controllers: [AdminUsersController, AdminCasefilesController, AdminAuditController],
})
export class AdminModule {}
