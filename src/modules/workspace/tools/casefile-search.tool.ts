import { SEARCH_TYPES } from '../dto/workspace.dto';
import { WorkspaceService } from '../workspace.service';
import { readableCasefile } from './casefile-access';
import { AccessService } from '../../access';
import { Tool, type ToolContext, type ToolImplementation } from '../../tool-sessions';

/** Full-text search of the session's casefile: the engine of `GET …/search` (API.md §5.1). */
@Tool({
  name: 'casefile.search',
  description:
    "Search the casefile's Gmail messages, Drive files and sheets (web-search syntax); ranked hits with highlighted snippets",
  parameters: {
    type: 'object',
    required: ['query'],
    properties: {
      query: { type: 'string', minLength: 1, maxLength: 500 },
      types: { type: 'array', items: { enum: [...SEARCH_TYPES] }, uniqueItems: true },
      limit: { type: 'integer', minimum: 1, maximum: 50 },
    },
    additionalProperties: false,
  },
  requiresCasefile: true,
  runsIn: 'event-loop',
})
export class CasefileSearchTool implements ToolImplementation {
  constructor(
    private readonly access: AccessService,
    private readonly workspace: WorkspaceService,
  ) {}

  async execute(ctx: ToolContext, params: { query: string; types?: string[]; limit?: number }) {
    const casefileId = await readableCasefile(this.access, ctx);
    const hits = await this.workspace.searchIn(casefileId, {
      q: params.query,
      types: params.types,
      limit: params.limit ?? 10,
    });
    return { hits };
  }
}
