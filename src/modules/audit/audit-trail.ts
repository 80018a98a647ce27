import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import type { AuditNote, HubClsStore } from '../../core/hub/request-context';

export type { AuditNote } from '../../core/hub/request-context';

/**
 * Services describe their operation for its audit event here (resource, owner, safe details);
 * the `audit` hook writes the event. Notes merge, so a service can add details as it goes.
 */
@Injectable()
export class AuditTrail {
  constructor(private readonly cls: ClsService<HubClsStore>) {}

  note(note: AuditNote): void {
    const ctx = this.cls.isActive() ? this.cls.get('requestContext') : undefined;
    if (!ctx) return;
    ctx.audit = { ...ctx.audit, ...note, details: { ...ctx.audit?.details, ...note.details } };
  }
}
