import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { uuidv7 } from 'uuidv7';
import { ToolSessionEntity } from './tool-session.entity';

@Injectable()
export class ToolSessionsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repo() {
    return this.txHost.tx.getRepository(ToolSessionEntity);
  }

  /** A new active session; `expires_at` is now + ttl, never past the absolute cap. */
  async insert(session: {
    userId: string;
    casefileId: string | null;
    ttlSeconds: number;
    maxTtlSeconds: number;
  }): Promise<ToolSessionEntity> {
    const id = uuidv7();
    await this.txHost.tx.query(
      `INSERT INTO tool_sessions (id, user_id, casefile_id, ttl_seconds, expires_at)
       VALUES ($1, $2, $3, $4::int, now() + make_interval(secs => least($4::int, $5::int)))`,
      [id, session.userId, session.casefileId, session.ttlSeconds, session.maxTtlSeconds],
    );
    return this.repo.findOneByOrFail({ id });
  }

  findById(id: string): Promise<ToolSessionEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /**
   * Attaches the user's own active, unattached session in one statement, so two casefiles can
   * never both claim it. `null` when it was not eligible (the caller then explains why).
   */
  async attachToCasefile(
    id: string,
    userId: string,
    casefileId: string,
  ): Promise<ToolSessionEntity | null> {
    const [, count] = await this.txHost.tx.query<[unknown[], number]>(
      `UPDATE tool_sessions SET casefile_id = $3
        WHERE id = $1 AND user_id = $2 AND casefile_id IS NULL
          AND status = 'active' AND expires_at > now()`,
      [id, userId, casefileId],
    );
    return count > 0 ? this.repo.findOneByOrFail({ id }) : null;
  }
}
