/**
 * The tool sessions module's face: the one tool path (ToolSessionsService) that chat runs tool
 * calls through, and what any module needs to provide a tool of its own.
 */
export { ToolSessionsModule } from './tool-sessions.module';
export { ToolSessionsService } from './tool-sessions.service';
export { ToolDto } from './dto/tool.dto';
export { refusedBeforeRunning } from './tool-sessions.errors';
export { toolsIn } from './registry/tool-files';
export {
  type JsonSchema,
  Tool,
  type ToolContext,
  type ToolDefinition,
  ToolError,
  type ToolImplementation,
} from './registry/tool.decorator';
