import { GmailMessagesRepository } from '../gmail/gmail-messages.repository';
import { readableCasefile } from './casefile-access';
import { AccessService } from '../../access';
import { Tool, type ToolContext, type ToolImplementation } from '../../tool-sessions';

/** Who wrote most of the casefile's messages (by address). */
@Tool({
  name: 'gmail.top_senders',
  description: "The senders of most of the casefile's Gmail messages, with their message counts",
  parameters: {
    type: 'object',
    properties: { limit: { type: 'integer', minimum: 1, maximum: 100 } },
    additionalProperties: false,
  },
  requiresCasefile: true,
  runsIn: 'event-loop',
})
export class GmailTopSendersTool implements ToolImplementation {
  constructor(
    private readonly access: AccessService,
    private readonly messages: GmailMessagesRepository,
  ) {}

  async execute(ctx: ToolContext, params: { limit?: number }) {
    const casefileId = await readableCasefile(this.access, ctx);
    return { senders: await this.messages.topSenders(casefileId, params.limit ?? 10) };
  }
}
