/** The audit module's face: notes for the audit event, the hook, the log and the chain. */
export { AuditModule } from './audit.module';
export { type AuditNote, AuditTrail } from './audit-trail';
export { AuditService } from './audit.service';
export { AuditHook } from './audit.hook';
export { AuditChain } from './audit-chain';
export {
  AuditEventDto,
  AuditVerifyDto,
  CasefileEventDto,
  ListAuditEventsQuery,
} from './dto/audit.dto';
