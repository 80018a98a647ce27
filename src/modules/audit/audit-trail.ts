import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';

/** What a service said about its operation for the audit event. */
export interface AuditNote {
  /** Whose event it is when there is no actor yet (login, register). */
  userId?: string;
  resourceType?: string;
  resourceId?: string;
  casefileId?: string;
  /** Safe facts only: never a password, token, key or OTP secret. */
  details?: Record<string, unknown>;
}

/** The audit module's slot in the request's (or job's) CLS context. */
interface AuditSlot {
  note?: AuditNote;
  /** Set once the success event is written by the operation itself, in its own transaction. */
  written?: boolean;
}

const AUDIT_SLOT = 'audit:request';

/**
 * Services describe their operation for its audit event here (resource, owner, safe details);
 * the `audit` hook writes the event. Notes merge, so a service can add details as it goes. The
 * note lives in the audit module's own CLS slot, beside the hub's request context.
 */
@Injectable()
export class AuditTrail {
  constructor(private readonly cls: ClsService) {}

  /**
   * Opens the slot in the current context (the audit hook's `pre`, before any transaction): a
   * transaction runs in a nested CLS context (a copy of this one), so a slot made there would be
   * lost when it ends, with the notes of a rolled-back failure in it.
   */
  begin(): void {
    if (this.cls.isActive()) this.cls.set(AUDIT_SLOT, {} satisfies AuditSlot);
  }

  note(note: AuditNote): void {
    const slot = this.slot(true);
    if (!slot) return;
    const noted = slot.note;
    slot.note = { ...noted, ...note, details: { ...noted?.details, ...note.details } };
  }

  /** What the services of the current request noted (empty outside a context). */
  noted(): AuditNote {
    return this.slot()?.note ?? {};
  }

  /** Whether the success event was already written (by the operation, in its own transaction). */
  written(): boolean {
    return this.slot()?.written === true;
  }

  markWritten(): void {
    const slot = this.slot(true);
    if (slot) slot.written = true;
  }

  private slot(create = false): AuditSlot | undefined {
    if (!this.cls.isActive()) return undefined;
    const slot = this.cls.get<AuditSlot | undefined>(AUDIT_SLOT);
    if (slot || !create) return slot;
    const created: AuditSlot = {};
    this.cls.set(AUDIT_SLOT, created);
    return created;
  }
}
