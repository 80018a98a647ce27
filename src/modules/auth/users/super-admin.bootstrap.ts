import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { AppConfig } from '../../../config/app-config';
import { UsersService } from './users.service';

/** With ADMIN_EMAIL and ADMIN_PASSWORD set, makes sure a super_admin exists before serving. */
@Injectable()
export class SuperAdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('SuperAdminBootstrap');

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly txHost: TransactionHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.auth.bootstrapAdmin;
    if (!admin) return;
    const { email, password } = admin;
    const outcome = await this.txHost.withTransaction(() =>
      this.users.ensureSuperAdmin(email, password),
    );
    if (outcome === 'exists') this.logger.log('a super_admin exists; ADMIN_EMAIL left unused');
  }
}
