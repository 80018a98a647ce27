import { type DynamicModule, Module } from '@nestjs/common';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { ScheduleModule } from '@nestjs/schedule';
import type { DestinationStream } from 'pino';
import type { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { CoreModule } from './core/core.module';
import { LoggingModule } from './core/logging/logging.module';
import { MetricsHook } from './core/metrics/metrics.hook';
import { MetricsModule } from './core/metrics/metrics.module';
import { DatabaseModule } from './platform/database/database.module';
import { clsModuleWithoutEnhancers } from './platform/overrides/nestjs-cls';
import { PipelinedTypeOrmAdapter } from './platform/overrides/pipelined-transactions';
import { AccessModule } from './modules/access/access.module';
import { CasefileAccessHook } from './modules/access/casefile-access.hook';
import { AdminModule } from './modules/admin/admin.module';
import { AuditHook } from './modules/audit/audit.hook';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { CasefilesModule } from './modules/casefiles/casefiles.module';
import { ChatModule } from './modules/chat/chat.module';
import { SessionLifecycleHook } from './modules/sessions/session-lifecycle.hook';
import { chatSessionContent, toolSessionContent } from './modules/sessions/session.contents';
import { SessionsModule } from './modules/sessions/sessions.module';
import { ToolSessionsModule } from './modules/tool-sessions/tool-sessions.module';
import { workspaceContents } from './modules/workspace/workspace.contents';
import { WorkspaceModule } from './modules/workspace/workspace.module';

export interface AppModuleOptions {
  config: AppConfig;
  databaseUrl: string;
  /** Where logs go; stdout when omitted. Tests pass a stream to read them. */
  logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(options.config),
        // CLS is mounted by configureApp() as the second middleware, so it spans everything.
        clsModuleWithoutEnhancers({
          global: true,
          plugins: [new ClsPluginTransactional({ adapter: new PipelinedTypeOrmAdapter() })],
        }),
        LoggingModule.forRoot(options.logDestination),
        ScheduleModule.forRoot(),
        DatabaseModule.forRoot(options.databaseUrl),
        CoreModule.forRoot({
          hooks: [MetricsHook, AuditHook, SessionLifecycleHook, CasefileAccessHook],
          hookModules: [MetricsModule, AuditModule, SessionsModule, AccessModule],
        }),
        AuthModule,
        CasefilesModule.forRoot({
          contents: [toolSessionContent, chatSessionContent, ...workspaceContents],
        }),
        SessionsModule,
        ToolSessionsModule,
        ChatModule,
        WorkspaceModule,
        AdminModule,
      ],
    };
  }
}
