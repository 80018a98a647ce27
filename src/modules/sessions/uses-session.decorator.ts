import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ImpliedErrors } from '../../core/hub/operation.decorator';
import type { ErrorCode } from '../../platform/errors/error-codes';
import type { SessionAccess, SessionKind } from './session';

/** The operation works on a session: by the path's `:id`, or the token's binding (`bound`). */
export interface SessionOperation {
  kind: SessionKind;
  access: SessionAccess;
  bound?: boolean;
}

export const SESSION_OPERATION = 'casefile-hub:session-operation';

/** The codes of a session operation's lifecycle (API.md §5): found, may, state, busy. */
function lifecycleCodes(operation: SessionOperation): ErrorCode[] {
  const notFound: ErrorCode = operation.kind === 'tool' ? 'NF_TOOL_SESSION' : 'NF_CHAT_SESSION';
  const codes: ErrorCode[] = [notFound, 'AUTH_FORBIDDEN'];
  if (operation.bound) codes.push('BR_SESSION_CLOSED');
  if (operation.access === 'run') {
    codes.push('NF_CASEFILE', 'BR_SESSION_CLOSED', 'BR_SESSION_EXPIRED', 'CF_SESSION_BUSY');
  }
  return codes;
}

/**
 * The tool or chat session the operation works on: the `session_lifecycle` hook resolves it
 * (checks the path's id, access, expires it when due, recreates a bound one, holds it for `run`)
 * before the handler, which reads it with `@CurrentSession()`, and moves its activity forward
 * after success. Documents the path's `id` (unless `bound`) and the lifecycle's error codes.
 */
export function UsesSession(operation: SessionOperation): MethodDecorator {
  return applyDecorators(
    SetMetadata(SESSION_OPERATION, operation),
    ImpliedErrors(lifecycleCodes(operation)),
    ...(operation.bound
      ? []
      : [
          ApiParam({
            name: 'id',
            schema: { type: 'string', format: 'uuid' },
            description: 'A UUID (v7 for ids this service makes)',
          }),
        ]),
  );
}
