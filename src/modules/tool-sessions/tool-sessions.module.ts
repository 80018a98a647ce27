import { Module, type OnModuleInit } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { join } from 'node:path';
import { TOOL_EXECUTION_DURATION, TOOL_EXECUTIONS_TOTAL } from './tool.metrics';
import { ToolRunner } from './execution/tool-runner';
import { toolsIn } from './registry/tool-files';
import { ToolRegistry } from './registry/tool-registry';
import { ToolRequestsRepository } from './tool-requests.repository';
import { ToolSessionsController } from './tool-sessions.controller';
import { ToolSessionsService } from './tool-sessions.service';
import { ToolsController } from './tools.controller';
import { AuditModule } from '../audit';
import { SessionsModule } from '../sessions';

/** The built-in tools: every `*.tool.ts` file in `tools/` (adding a tool is adding a file). */
const BUILT_IN_TOOLS = toolsIn(join(__dirname, 'tools'));

/**
 * Tool sessions and the tool registry (API.md §5). Other modules add tools by providing
 * `@Tool()` classes of their own; the registry finds them all at start-up.
 */
@Module({
  imports: [DiscoveryModule, AuditModule, SessionsModule],
  controllers: [ToolsController, ToolSessionsController],
  providers: [
    ToolSessionsService,
    ToolRequestsRepository,
    ToolRegistry,
    ToolRunner,
    ...BUILT_IN_TOOLS,
    makeCounterProvider({
      name: TOOL_EXECUTIONS_TOTAL,
      help: 'Tool executions by tool and outcome (succeeded, failed)',
      labelNames: ['tool', 'status'],
    }),
    makeHistogramProvider({
      name: TOOL_EXECUTION_DURATION,
      help: 'Tool execution time in seconds by tool',
      labelNames: ['tool'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
    }),
  ],
  exports: [ToolSessionsService],
})
export class ToolSessionsModule implements OnModuleInit {
  constructor(
    private readonly registry: ToolRegistry,
    private readonly runner: ToolRunner,
  ) {}

  /** Worker processes start once the registry knows which files hold worker tools. */
  onModuleInit(): void {
    const files = this.registry
      .list()
      .flatMap((tool) =>
        tool.definition.runsIn === 'worker' && tool.source ? [tool.source.file] : [],
      );
    this.runner.start([...new Set(files)]);
  }
}
