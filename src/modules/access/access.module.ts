import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { AccessService } from './access.service';
import { PermissionsController } from './permissions.controller';
import { PermissionsRepository } from './permissions.repository';

/** Casefile permissions (API.md §4): the AccessService every module checks through. */
@Module({
  imports: [AuthModule, AuditModule],
  controllers: [PermissionsController],
  providers: [AccessService, PermissionsRepository],
  exports: [AccessService],
})
export class AccessModule {}
