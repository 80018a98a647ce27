import { Injectable, Logger } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { ClsService } from 'nestjs-cls';
import { randomUUID } from 'node:crypto';
import { runAfterCommit } from './after-commit';
import type { HubClsStore, RequestContext } from './request-context';

/**
 * Background work (the audit sealer, sweeps, sync jobs) in the same kind of
 * context as a request: a `RequestContext` in CLS whose operation is the job's name and whose
 * request id is `job:<name>:<uuid>`, so AuditTrail notes, after-commit work and log lines (which
 * carry that id) behave exactly as they do in a request. After-commit work runs once the job's
 * transaction (`inTransaction`) has committed, never before; dropped when it rolls back.
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
    const ctx = jobContext(name);
    // a context of its own, even when started from a request's (nothing of the request leaks in)
    return this.cls.run({ ifNested: 'override' }, async () => {
      this.cls.set('requestContext', ctx);
      const result = await work();
      await runAfterCommit(ctx, this.logger);
      return result;
    });
  }

  /** One transaction of the job: work registered with AfterCommit inside runs after COMMIT. */
  async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    const ctx = this.cls.get('requestContext');
    if (!ctx) throw new Error('BackgroundWork.inTransaction() outside BackgroundWork.run()');
    const pending = ctx.afterCommit.length;
    try {
      const result = await this.txHost.withTransaction(work);
      await runAfterCommit(ctx, this.logger);
      return result;
    } catch (error) {
      ctx.afterCommit.splice(pending); // rolled back: what it registered never happened
      throw error;
    }
  }
}

function jobContext(name: string): RequestContext {
  return {
    requestId: `job:${name}:${randomUUID()}`,
    actor: undefined,
    operation: name,
    options: { name, summary: name, transaction: false },
    params: {},
    body: undefined,
    responseMode: 'json',
    method: 'JOB',
    route: `<job:${name}>`,
    startedAt: performance.now(),
    ip: undefined,
    userAgent: undefined,
    hooks: [],
    successStatus: 200,
    afterCommit: [],
  };
}
