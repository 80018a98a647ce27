import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { CasefileSessionsController } from './casefile-sessions.controller';
import { SessionLifecycleHook } from './session-lifecycle.hook';
import { SessionResolver } from './session-resolver';
import { SessionSweeper } from './session-sweeper';
import { SessionTokenController } from './session-token.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/**
 * The session core for both kinds (API.md §5–§6): lifecycle, access, busy lease, token binding,
 * the `session_lifecycle` hook and the sweep. Uses CasefilesService from the global CasefilesModule.
 */
@Module({
  imports: [AccessModule, AuditModule, AuthModule],
  controllers: [CasefileSessionsController, SessionTokenController],
  providers: [
    SessionsService,
    SessionResolver,
    SessionsRepository,
    SessionLifecycleHook,
    SessionSweeper,
  ],
  exports: [SessionsService, SessionLifecycleHook, SessionSweeper],
})
export class SessionsModule {}
