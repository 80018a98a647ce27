import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { CursorPosition } from '../../core/http/pagination';
import { AuditEventEntity, type AuditStatus } from './audit-event.entity';

export interface AuditFilters {
  userId?: string;
  operation?: string;
  casefileId?: string;
  status?: AuditStatus;
  after?: Date;
  before?: Date;
}

@Injectable()
export class AuditRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** Joins the request's transaction when there is one: no change without its event. */
  async insert(event: Omit<AuditEventEntity, 'at'>): Promise<void> {
    // jsonb `details` trips TypeORM's deep-partial typing; the shape is the entity's own.
    await this.txHost.tx
      .getRepository(AuditEventEntity)
      .insert(event as QueryDeepPartialEntity<AuditEventEntity>);
  }

  count(filters: AuditFilters): Promise<number> {
    return this.filtered(filters).getCount();
  }

  async listPage(
    filters: AuditFilters,
    limit: number,
    after: CursorPosition | undefined,
  ): Promise<(AuditEventEntity & { cursorKey: string })[]> {
    const query = this.filtered(filters)
      .addSelect('e.at::text', 'cursor_key')
      .orderBy('e.at', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(limit + 1);
    if (after) {
      query.andWhere('(e.at, e.id) < (:cursorKey::timestamptz, :cursorId::uuid)', {
        cursorKey: after.key,
        cursorId: after.id,
      });
    }
    const { entities, raw } = await query.getRawAndEntities<{ cursor_key: string }>();
    return entities.map((entity, index) =>
      Object.assign(entity, { cursorKey: raw[index].cursor_key }),
    );
  }

  private filtered(filters: AuditFilters) {
    const query = this.txHost.tx.getRepository(AuditEventEntity).createQueryBuilder('e');
    if (filters.userId) query.andWhere('e.user_id = :userId', { userId: filters.userId });
    if (filters.operation)
      query.andWhere('e.operation = :operation', { operation: filters.operation });
    if (filters.casefileId)
      query.andWhere('e.casefile_id = :casefileId', { casefileId: filters.casefileId });
    if (filters.status) query.andWhere('e.status = :status', { status: filters.status });
    if (filters.after) query.andWhere('e.at > :afterTime', { afterTime: filters.after });
    if (filters.before) query.andWhere('e.at < :beforeTime', { beforeTime: filters.before });
    return query;
  }
}
