import { Module } from '@nestjs/common';
import { AuditChain } from './audit-chain';
import { AuditTrail } from './audit-trail';
import { AuditHook } from './audit.hook';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

@Module({
  providers: [AuditRepository, AuditService, AuditHook, AuditTrail, AuditChain],
  exports: [AuditService, AuditHook, AuditTrail, AuditChain],
})
export class AuditModule {}
