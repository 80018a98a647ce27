import { Injectable } from '@nestjs/common';
import { toDomainError } from '../../core/errors/all-exceptions.filter';
import { isMutating } from '../../core/http/http-methods';
import type { RequestContext } from '../../core/hub/request-context';
import type { RequestHook, RouteFacts } from '../../core/hub/request-hook';
import { AuditService } from './audit.service';
import { AuditTrail } from './audit-trail';

/** Denials on a read are audited too: someone reached for a casefile they may not see. */
const DENIALS = new Set(['AUTH_FORBIDDEN', 'NF_CASEFILE']);

/**
 * The `audit` hook: one event per mutating operation. A success is written in post(), inside the
 * operation's transaction, so there is never a change without its event nor an event without its
 * change; a failure is written in error(), after the rollback, with the code it answered. Reads
 * write nothing unless the access check refused them (the AccessService notes the casefile).
 */
@Injectable()
export class AuditHook implements RequestHook {
  readonly name = 'audit';

  constructor(
    private readonly audit: AuditService,
    private readonly trail: AuditTrail,
  ) {}

  /** Writes, and every route that has an actor (a read's denial is audited). */
  appliesTo(route: RouteFacts): boolean {
    return isMutating(route.method) || !route.isPublic;
  }

  pre(): void {
    this.trail.begin();
  }

  async post(ctx: RequestContext): Promise<void> {
    if (isMutating(ctx.method) && !this.trail.written()) {
      await this.audit.record(ctx, 'success', ctx.successStatus);
    }
  }

  async error(ctx: RequestContext, error: unknown): Promise<void> {
    const failure = toDomainError(error, { method: ctx.method, path: ctx.route });
    const deniedRead = DENIALS.has(failure.code) && this.trail.noted().casefileId !== undefined;
    if (!isMutating(ctx.method) && !deniedRead) return;
    await this.audit.record(ctx, 'failure', failure.status, { code: failure.code });
  }
}
