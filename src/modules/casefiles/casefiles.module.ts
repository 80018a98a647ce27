import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AccessModule } from '../access';
import { AuditModule } from '../audit';
import { AuthModule } from '../auth';
import { CasefilesController } from './casefiles.controller';
import { CasefilesRepository } from './casefiles.repository';
import { CasefilesService } from './casefiles.service';

/**
 * Casefiles (API.md §4). The modules whose things live in casefiles (sessions, chat, workspace)
 * import it for CasefilesService and provide what they keep in one (`provideCasefileContents`),
 * which its repository finds at start-up: this module imports none of them.
 */
@Module({
  imports: [DiscoveryModule, AccessModule, AuditModule, AuthModule],
  controllers: [CasefilesController],
  providers: [CasefilesService, CasefilesRepository],
  exports: [CasefilesService],
})
export class CasefilesModule {}
