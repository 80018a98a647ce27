import { Module } from '@nestjs/common';
import { AuditModule } from '../audit';
import { GoogleConnectionsController } from './google-connections.controller';
import { GoogleConnectionsRepository } from './google-connections.repository';
import { GoogleConnectionsService } from './google-connections.service';
import { GoogleOAuth } from './google-oauth';

/** Google connections (API.md §7.1): OAuth with Google, refresh tokens kept sealed. */
@Module({
  imports: [AuditModule],
  controllers: [GoogleConnectionsController],
  providers: [GoogleConnectionsService, GoogleConnectionsRepository, GoogleOAuth],
  exports: [GoogleConnectionsService],
})
export class GoogleModule {}
