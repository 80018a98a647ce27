import {
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
  TooManyRequestsError,
} from '../../platform/errors/domain-error';
import type { FieldError } from '../../platform/errors/system.errors';

export class ToolNotFoundError extends NotFoundError {
  constructor(name: string) {
    super('NF_TOOL', `No tool named ${JSON.stringify(name.slice(0, 100))} is registered`);
  }
}

/** The parameters do not match the tool's JSON Schema: nothing ran, nothing is recorded. */
export class ToolParametersError extends InvalidInputError {
  constructor(fields: FieldError[]) {
    super('VAL_TOOL_PARAMETERS', "The parameters do not match the tool's JSON Schema", { fields });
  }
}

export class CasefileRequiredError extends RuleViolationError {
  constructor(tool: string) {
    super('BR_CASEFILE_REQUIRED', `${tool} runs only in a session that belongs to a casefile`);
  }
}

/** Why a worker tool run was refused before it started (nothing ran, nothing is recorded). */
export type CapacityRefusal = 'user_queue' | 'queue' | 'wait';

const CAPACITY_MESSAGES: Record<CapacityRefusal, string> = {
  user_queue: 'You already have as many tool runs waiting as one user may',
  queue: 'The tool queue is full',
  wait: 'No tool worker became free in time',
};

/** `429 TOOL_CAPACITY` with Retry-After: the per-user share or the queue is used up. */
export class ToolCapacityError extends TooManyRequestsError {
  constructor(reason: CapacityRefusal, retryAfterSeconds: number) {
    super('TOOL_CAPACITY', `${CAPACITY_MESSAGES[reason]}; retry shortly`, retryAfterSeconds, {
      reason,
    });
  }
}

/**
 * Whether the tool path refused a run before it started (nothing ran, nothing was recorded): no
 * such tool, parameters that do not match, a tool that needs a casefile, no capacity. A caller
 * running tools on someone's behalf (a chat model) answers these like a failed run.
 */
export function refusedBeforeRunning(
  error: unknown,
): error is ToolNotFoundError | ToolParametersError | CasefileRequiredError | ToolCapacityError {
  return (
    error instanceof ToolNotFoundError ||
    error instanceof ToolParametersError ||
    error instanceof CasefileRequiredError ||
    error instanceof ToolCapacityError
  );
}
