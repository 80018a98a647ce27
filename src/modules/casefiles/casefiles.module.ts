import { type DynamicModule, Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { CASEFILE_CONTENTS, type CasefileContent } from './casefile-contents';
import { CasefilesController } from './casefiles.controller';
import { CasefilesRepository } from './casefiles.repository';
import { CasefilesService } from './casefiles.service';

export interface CasefilesModuleOptions {
  /** What the domain modules keep in a casefile, for its `counts` (composed in AppModule). */
  contents: readonly CasefileContent[];
}

/**
 * Casefiles (API.md §4). Global, so that the modules whose things live in casefiles (sessions,
 * chat, workspace) reach CasefilesService while this module imports none of them.
 */
@Module({})
export class CasefilesModule {
  static forRoot(options: CasefilesModuleOptions): DynamicModule {
    return {
      module: CasefilesModule,
      global: true,
      imports: [AccessModule, AuditModule, AuthModule],
      controllers: [CasefilesController],
      providers: [
        CasefilesService,
        CasefilesRepository,
        { provide: CASEFILE_CONTENTS, useValue: options.contents },
      ],
      exports: [CasefilesService],
    };
  }
}
