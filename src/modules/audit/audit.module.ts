import { Module } from '@nestjs/common';
import { AuditTrail } from './audit-trail';
import { AuditHook } from './audit.hook';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

@Module({
  providers: [AuditRepository, AuditService, AuditHook, AuditTrail],
  exports: [AuditService, AuditHook, AuditTrail],
})
export class AuditModule {}
