import { Module } from '@nestjs/common';
import { toolsIn } from '../../../src/modules/tool-sessions/registry/tool-files';

/** Test-only tools (a CPU loop, a throw, a large result, an event-loop wait), added by file. */
@Module({ providers: toolsIn(__dirname) })
export class TestToolsModule {}
