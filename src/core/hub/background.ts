import { Injectable, Logger } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { CLS_ID, ClsService } from 'nestjs-cls';
import { randomUUID } from 'node:crypto';
import { runAfterCommit } from './after-commit';
import type { HubClsStore, JobContext } from './work-context';

/**
 * Background work (the audit sealer, the sweeps, sync jobs) as what it is: a job, in a CLS
 * context of its own (never the one of a request that started it) holding a `JobContext` — its
 * name, its id `job:<name>:<uuid>` (the CLS id, which its log lines carry with `job`), and its
 * after-commit work — so AuditTrail notes, log lines and `AfterCommit` behave as in a request.
 * After-commit work runs once the job's transaction (`inTransaction`) has committed, never
 * before; dropped when it rolls back.
 */
@Injectable()
export class BackgroundWork {
  private readonly logger = new Logger('BackgroundWork');

  constructor(
    private readonly cls: ClsService<HubClsStore>,
    private readonly txHost: TransactionHost,
  ) {}

  /** Runs `work` as job `name` in a context of its own. */
  run<T>(name: string, work: () => Promise<T>): Promise<T> {
    const job: JobContext = {
      kind: 'job',
      id: `job:${name}:${randomUUID()}`,
      operation: name,
      actor: undefined,
      afterCommit: [],
    };
    return this.cls.run({ ifNested: 'override' }, async () => {
      this.cls.set(CLS_ID, job.id);
      this.cls.set('work', job);
      const result = await work();
      await runAfterCommit(job, this.logger);
      return result;
    });
  }

  /** One transaction of the job: work registered with AfterCommit inside runs after COMMIT. */
  async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    const job = this.cls.get('work');
    if (job?.kind !== 'job') {
      throw new Error('BackgroundWork.inTransaction() outside BackgroundWork.run()');
    }
    const pending = job.afterCommit.length;
    try {
      const result = await this.txHost.withTransaction(work);
      await runAfterCommit(job, this.logger);
      return result;
    } catch (error) {
      job.afterCommit.splice(pending); // rolled back: what it registered never happened
      throw error;
    }
  }
}
