import { NotFoundError } from '../../../core/errors/domain-error';

/** No such job, or its casefile is not visible to the caller (they look the same). */
export class SyncJobNotFoundError extends NotFoundError {
  constructor() {
    super('NF_SYNC_JOB', 'Sync job not found');
  }
}
