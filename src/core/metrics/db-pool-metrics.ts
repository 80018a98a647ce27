import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { poolOf } from '../../platform/database/data-source-options';
import { DB_POOL_CONNECTIONS } from './metric-names';

/** Reads the pg pool's counters into `db_pool_connections{state}` just before each scrape. */
@Injectable()
export class DbPoolMetrics {
  constructor(
    private readonly dataSource: DataSource,
    @InjectMetric(DB_POOL_CONNECTIONS) private readonly gauge: Gauge<string>,
  ) {}

  refresh(): void {
    const pool = poolOf(this.dataSource);
    if (!pool) return;
    this.gauge.set({ state: 'active' }, pool.totalCount - pool.idleCount);
    this.gauge.set({ state: 'idle' }, pool.idleCount);
    this.gauge.set({ state: 'waiting' }, pool.waitingCount);
    this.gauge.set({ state: 'max' }, pool.options.max ?? 0);
  }
}
