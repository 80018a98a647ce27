import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { ClsService } from 'nestjs-cls';
import type { HubClsStore } from './request-context';

/**
 * Work that must only happen once the request's transaction has committed — typically dropping a
 * cache entry, so that no concurrent request can re-cache the state from before the change. The
 * RequestHub runs it after the commit; on rollback it is dropped. Outside a transaction it runs
 * at once.
 */
@Injectable()
export class AfterCommit {
  constructor(
    private readonly cls: ClsService<HubClsStore>,
    private readonly txHost: TransactionHost,
  ) {}

  async run(work: () => Promise<void>): Promise<void> {
    const ctx = this.cls.isActive() ? this.cls.get('requestContext') : undefined;
    if (ctx && this.txHost.isTransactionActive()) {
      ctx.afterCommit.push(work);
      return;
    }
    await work();
  }
}
