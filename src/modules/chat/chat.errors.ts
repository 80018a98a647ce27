import { NotFoundError, UnavailableError, UpstreamError } from '../../platform/errors/domain-error';

/**
 * A turn id the session does not have. The contract has no code of its own for turns: it is the
 * chat session lookup's 404, with a reason.
 */
export class ChatTurnNotFoundError extends NotFoundError {
  constructor() {
    super('NF_CHAT_SESSION', 'The chat session has no such turn', { reason: 'unknown_turn' });
  }
}

/**
 * The model provider answered with an error (after the client's own retries of 429 and 5xx).
 * Its message is not passed on: providers quote parts of the API key in some of theirs.
 */
export class ChatProviderError extends UpstreamError {
  constructor(status: number | undefined) {
    super(
      'SYS_UPSTREAM_ERROR',
      status === undefined
        ? 'The chat model provider could not be reached'
        : `The chat model provider answered ${status}`,
      status === undefined ? undefined : { upstream_status: status },
    );
  }
}

/** The model did not start answering, or stopped streaming, within CHAT_TIMEOUT_MS. */
export class ChatProviderTimeoutError extends UpstreamError {
  constructor(timeoutMs: number) {
    super('SYS_UPSTREAM_TIMEOUT', `The chat model provider did not answer within ${timeoutMs} ms`);
  }
}

/** The turn as a whole ran past CHAT_TURN_DEADLINE_MS; it is kept as far as it got. */
export class ChatTurnDeadlineError extends UpstreamError {
  constructor(deadlineMs: number) {
    super('SYS_UPSTREAM_TIMEOUT', `The turn did not finish within ${deadlineMs} ms`);
  }
}

/** A turn whose instance went away before it finished (seen by a follower on another). */
export class ChatTurnInterruptedError extends UnavailableError {
  constructor() {
    super('SYS_SHUTTING_DOWN', 'The instance running this turn stopped before it finished');
  }
}
