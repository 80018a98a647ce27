import { Injectable, type Logger } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { ClsService } from 'nestjs-cls';
import type { HubClsStore, WorkContext } from './work-context';

/**
 * Work that must only happen once the transaction of the work in flight (a request or a job) has
 * committed — typically dropping a cache entry, so that no concurrent request can re-cache the
 * state from before the change. The RequestHub (or BackgroundWork, for jobs) runs it after the
 * commit; on rollback it is dropped.
 * Outside a transaction it runs at once. Inside a transaction with no context to hold it, it is
 * refused rather than run early.
 */
@Injectable()
export class AfterCommit {
  constructor(
    private readonly cls: ClsService<HubClsStore>,
    private readonly txHost: TransactionHost,
  ) {}

  async run(work: () => Promise<void>): Promise<void> {
    const ctx = this.cls.isActive() ? this.cls.get('work') : undefined;
    if (!this.txHost.isTransactionActive()) return work();
    if (!ctx) {
      throw new Error('AfterCommit inside a transaction needs a request or BackgroundWork context');
    }
    ctx.afterCommit.push(work);
  }
}

/**
 * Runs the committed context's after-commit work, in order. Work that fails is logged: the change
 * itself stands. Used by the RequestHub after a request's commit and by BackgroundWork after a
 * job's.
 */
export async function runAfterCommit(ctx: WorkContext, logger: Logger): Promise<void> {
  for (const work of ctx.afterCommit.splice(0)) {
    try {
      await work();
    } catch (error) {
      logger.error({ err: error }, 'after-commit work failed');
    }
  }
}
