import { type DynamicModule, Module } from '@nestjs/common';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { ScheduleModule } from '@nestjs/schedule';
import type { DestinationStream } from 'pino';
import type { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { CoreModule } from './core/core.module';
import { LoggingModule } from './core/logging/logging.module';
import { MetricsHook } from './core/metrics/metrics.hook';
import { DatabaseModule } from './platform/database/database.module';
import { clsModuleWithoutEnhancers } from './platform/overrides/nestjs-cls';
import { PipelinedTypeOrmAdapter } from './platform/overrides/pipelined-transactions';
import { AccessModule, CasefileAccessHook } from './modules/access';
import { AuditHook, AuditModule } from './modules/audit';
import { AuthModule } from './modules/auth';
import { casefileOperations, CasefilesModule } from './modules/casefiles';
import { ToolSessionsModule } from './modules/tool-sessions';
import { WorkspaceModule } from './modules/workspace';
import { GoogleModule } from './modules/google';
import { ChatModule } from './modules/chat';
import { AdminModule } from './modules/admin';
import { SessionLifecycleHook, sessionOperations, SessionsModule } from './modules/sessions';

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
          hookModules: [AuditModule, SessionsModule, AccessModule],
          operationMetrics: [casefileOperations, sessionOperations],
        }),
        AuthModule,
        CasefilesModule,
        SessionsModule,
        ToolSessionsModule,
        ChatModule,
        WorkspaceModule,
        GoogleModule,
        AdminModule,
      ],
    };
  }
}
