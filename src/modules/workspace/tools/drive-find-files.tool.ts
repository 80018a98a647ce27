import { DriveFilesRepository } from '../drive/drive-files.repository';
import { readableCasefile } from './casefile-access';
import { STORABLE_TIME_MESSAGE, storableTimeOf } from '../../../core/http/timestamps';
import { AccessService } from '../../access';
import { Tool, type ToolContext, ToolError, type ToolImplementation } from '../../tool-sessions';

/** At most this many files per call; the result says when there were more. */
const MAX_FILES = 50;

/** The casefile's Drive files by name, type and modification time. */
@Tool({
  name: 'drive.find_files',
  description:
    "The casefile's Drive files whose name contains a text, whose text (a document's, as synced or imported) holds words, of a MIME type, modified after a time (RFC 3339)",
  parameters: {
    type: 'object',
    properties: {
      name_contains: { type: 'string', minLength: 1, maxLength: 1000 },
      text_contains: { type: 'string', minLength: 1, maxLength: 1000 },
      mime_type: { type: 'string', minLength: 1, maxLength: 255 },
      modified_after: { type: 'string', minLength: 10, maxLength: 64 },
    },
    additionalProperties: false,
  },
  requiresCasefile: true,
  runsIn: 'event-loop',
})
export class DriveFindFilesTool implements ToolImplementation {
  constructor(
    private readonly access: AccessService,
    private readonly files: DriveFilesRepository,
  ) {}

  async execute(
    ctx: ToolContext,
    params: {
      name_contains?: string;
      text_contains?: string;
      mime_type?: string;
      modified_after?: string;
    },
  ) {
    if (params.modified_after !== undefined && !storableTimeOf(params.modified_after)) {
      throw new ToolError(`modified_after ${STORABLE_TIME_MESSAGE}`);
    }
    const casefileId = await readableCasefile(this.access, ctx);
    const filters = {
      name: params.name_contains,
      mimeType: params.mime_type,
      modifiedAfter: params.modified_after,
      text: params.text_contains,
    };
    const rows = await this.files.list(casefileId, filters, MAX_FILES + 1, undefined);
    return {
      files: rows.slice(0, MAX_FILES).map((file) => ({
        id: file.googleId,
        name: file.name,
        mime_type: file.mimeType,
        modified_time: file.modifiedAt.toISOString(),
        size: file.sizeBytes,
        web_view_link: file.webViewLink,
        has_text: file.hasContent,
      })),
      more: rows.length > MAX_FILES,
    };
  }
}
