import { type AccessService } from '../../access';
import { type ToolContext } from '../../tool-sessions';

/**
 * The casefile a casefile tool reads: its session's, and only while the caller may still read
 * it — checked on every call, so access revoked mid-session fails the next call as not found.
 */
export async function readableCasefile(access: AccessService, ctx: ToolContext): Promise<string> {
  const casefileId = ctx.casefileId as string; // requiresCasefile: the tool path made sure
  if (!ctx.actor) throw new Error('a casefile tool runs on the event loop, with its actor');
  await access.require(ctx.actor, casefileId, 'viewer');
  return casefileId;
}
