import { InvalidInputError, PreconditionFailedError } from '../../platform/errors/domain-error';

export { CasefileNotFoundError } from '../access';

export class VersionMismatchError extends PreconditionFailedError {
  constructor(currentVersion: number) {
    super('CF_VERSION_MISMATCH', 'The casefile has changed since that version', {
      current_version: currentVersion,
    });
  }
}

export class InvalidIfMatchError extends InvalidInputError {
  constructor() {
    super('VAL_FAILED', 'If-Match must be an entity tag such as "3", or *', {
      fields: [{ field: 'If-Match', message: 'If-Match must be an entity tag such as "3", or *' }],
    });
  }
}
