import { Module } from '@nestjs/common';
import { CasefilesModule, provideCasefileContents } from '../casefiles';
import { chatSessionContent, toolSessionContent } from './session.contents';
import { CasefileSessionsController } from './casefile-sessions.controller';
import { SessionLifecycleHook } from './session-lifecycle.hook';
import { SessionResolver } from './session-resolver';
import { SessionSweeper } from './session-sweeper';
import { SessionTokenController } from './session-token.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { AccessModule } from '../access';
import { AuditModule } from '../audit';
import { AuthModule } from '../auth';

/**
 * The session core for both kinds (API.md §5–§6): lifecycle, access, busy lease, token binding,
 * the `session_lifecycle` hook and the sweep; counts its sessions in their casefiles.
 */
@Module({
  imports: [AccessModule, AuditModule, AuthModule, CasefilesModule],
  controllers: [CasefileSessionsController, SessionTokenController],
  providers: [
    provideCasefileContents('sessions', [toolSessionContent, chatSessionContent]),
    SessionsService,
    SessionResolver,
    SessionsRepository,
    SessionLifecycleHook,
    SessionSweeper,
  ],
  exports: [SessionsService, SessionLifecycleHook, SessionSweeper],
})
export class SessionsModule {}
