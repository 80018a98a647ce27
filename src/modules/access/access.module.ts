import { Module } from '@nestjs/common';
import { AccessRepository } from './access.repository';
import { AccessService } from './access.service';
import { CasefileAccessHook } from './casefile-access.hook';
import { PermissionsController } from './permissions.controller';
import { AuditModule } from '../audit';
import { AuthModule } from '../auth';

/** Casefile permissions (API.md §4): the AccessService every module checks through. */
@Module({
  imports: [AuthModule, AuditModule],
  controllers: [PermissionsController],
  providers: [AccessService, AccessRepository, CasefileAccessHook],
  exports: [AccessService, CasefileAccessHook],
})
export class AccessModule {}
