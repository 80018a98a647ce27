import { ForbiddenError, NotFoundError } from '../../../platform/errors/domain-error';
import { type PermissionLevel } from '../../access';

/** No such job, or its casefile is not visible to the caller (they look the same). */
export class SyncJobNotFoundError extends NotFoundError {
  constructor() {
    super('NF_SYNC_JOB', 'Sync job not found');
  }
}

/** Viewers of its casefile follow a job; only its creator or a manager may cancel it. */
export class NotSyncJobCreatorError extends ForbiddenError {
  constructor(actual: PermissionLevel) {
    super('AUTH_FORBIDDEN', "Only the job's creator or a manager of its casefile may cancel it", {
      required: "creator or manager (a sync source's run: editor)",
      actual,
    });
  }
}

/** No such source, or its casefile is not visible to the caller (they look the same). */
export class SyncSourceNotFoundError extends NotFoundError {
  constructor() {
    super('NF_SYNC_SOURCE', 'Sync source not found');
  }
}

/** A source's query says what of its creator's Google account the casefile takes: theirs alone. */
export class NotSyncSourceCreatorError extends ForbiddenError {
  constructor() {
    super('AUTH_FORBIDDEN', "Only the source's creator may change its query", {
      required: 'creator',
      actual: 'editor',
    });
  }
}
