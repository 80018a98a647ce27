import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProbeController } from './probe.controller';
import { ProbeHook } from './probe.hook';

@Global()
@Module({ controllers: [ProbeController], providers: [ProbeHook], exports: [ProbeHook] })
export class ProbeModule implements OnModuleInit {
  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    // Test files run in parallel: serialise the CREATE so two workers never race on the catalog.
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(42)');
      await manager.query(
        'CREATE TABLE IF NOT EXISTS probe_items (id uuid PRIMARY KEY, title text NOT NULL)',
      );
    });
  }
}
