import {
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
} from '../../core/errors/domain-error';
import type { FieldError } from '../../core/errors/system.errors';

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
