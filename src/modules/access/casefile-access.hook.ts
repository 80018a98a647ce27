import { Injectable, SetMetadata } from '@nestjs/common';
import type { RequestContext } from '../../core/hub/request-context';
import type { RequestHook, RouteFacts } from '../../core/hub/request-hook';
import { AccessService } from './access.service';
import type { PermissionLevel } from './permission-level';

const CASEFILE_ACCESS = 'casefile-hub:casefile-access';

interface CasefileAccessDeclaration {
  /** The body field that names the casefile (optional in the body: absent, nothing to check). */
  bodyField: string;
  level: PermissionLevel;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The casefile a request body names must allow `level` before anything else happens — an
 * Idempotency-Key replay included (issue 21: a replay never skips the checks its request would
 * meet). The service still checks for itself; this is the same rule, met earlier.
 */
export const CasefileAccess = (bodyField: string, level: PermissionLevel): MethodDecorator =>
  SetMetadata(CASEFILE_ACCESS, { bodyField, level } satisfies CasefileAccessDeclaration);

/**
 * The `casefile_access` hook: on operations declared with `@CasefileAccess(field, level)`, the
 * casefile the body names is checked before the handler — and before an Idempotency-Key replay —
 * with the AccessService's rule (`404 NF_CASEFILE` / `403 AUTH_FORBIDDEN`). A value that is not
 * a UUID is left to the body's validation (400).
 */
@Injectable()
export class CasefileAccessHook implements RequestHook {
  readonly name = 'casefile_access';
  private readonly declarations = new WeakMap<object, CasefileAccessDeclaration>();

  constructor(private readonly access: AccessService) {}

  appliesTo(route: RouteFacts): boolean {
    const declared = Reflect.getMetadata(CASEFILE_ACCESS, route.handler) as
      CasefileAccessDeclaration | undefined;
    if (declared) this.declarations.set(route.operation, declared);
    return declared !== undefined;
  }

  async pre(ctx: RequestContext): Promise<void> {
    const declared = this.declarations.get(ctx.options);
    if (!declared || !ctx.actor) return;
    const body = ctx.body as Record<string, unknown> | undefined;
    const casefileId = body?.[declared.bodyField];
    if (typeof casefileId !== 'string' || !UUID.test(casefileId)) return;
    await this.access.require(ctx.actor, casefileId, declared.level);
  }
}
