import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { PipelinedTypeOrmAdapter } from '../../platform/overrides/pipelined-transactions';
import { BackgroundWork } from '../../core/hub/background';
import { Sql } from '../../platform/database/sql';
import type { AuditChainHeadEntity } from './audit-chain-head.entity';

/** The chain's first link points at this instead of a previous hash. */
export const GENESIS_HASH = '0'.repeat(64);
const SEAL_BATCH = 1000;
const VERIFY_BATCH = 5000;
/** The advisory lock one sealer holds at a time (tests take it to reset the chain). */
export const SEAL_LOCK_KEY = 7_244_019_302;

/**
 * One canonical text per event, made by PostgreSQL in UTC and with jsonb's own normal form, so
 * sealing and verifying read the same bytes whatever the session settings.
 */
const CANONICAL_EVENT = `json_build_array(
  e.id, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), e.request_id, e.user_id,
  e.operation, e.resource_type, e.resource_id, e.casefile_id, e.status, e.http_status, e.details,
  e.ip, e.user_agent)::text`;

export function linkHash(previous: string, canonicalEvent: string): string {
  return createHash('sha256').update(`${previous}\n${canonicalEvent}`).digest('hex');
}

export interface ChainVerdict {
  ok: boolean;
  checked: number;
  first_bad_event_id: string | null;
}

/**
 * Seals audit events into a hash chain in the background (never on the request path: requests
 * only insert), under an advisory lock so one instance seals at a time, and verifies it.
 */
@Injectable()
export class AuditChain {
  private readonly logger = new Logger('AuditChain');

  constructor(
    private readonly sql: Sql,
    private readonly txHost: TransactionHost<PipelinedTypeOrmAdapter>,
    private readonly background: BackgroundWork,
  ) {}

  @Interval('audit-seal', 5000)
  async sealOnSchedule(): Promise<void> {
    try {
      await this.background.run('audit_seal', () => this.sealPending());
    } catch (error) {
      this.logger.warn({ err: error }, 'sealing audit events failed; will retry');
    }
  }

  /** Seals every committed, unsealed event (oldest first); returns how many. */
  async sealPending(): Promise<number> {
    let total = 0;
    for (;;) {
      const sealed = await this.txHost.withTransaction(() => this.sealBatch());
      if (sealed === undefined) return total; // another instance holds the lock
      total += sealed;
      if (sealed < SEAL_BATCH) return total;
    }
  }

  private async sealBatch(): Promise<number | undefined> {
    const lock = await this.sql.one<{ locked: boolean }>(
      'SELECT pg_try_advisory_xact_lock($1) AS locked',
      [SEAL_LOCK_KEY],
    );
    if (!lock?.locked) return undefined;
    const head = await this.readHead();
    const events = await this.sql.rows<{ id: string; canonical: string }>(
      `SELECT e.id, ${CANONICAL_EVENT} AS canonical FROM audit_events e
        WHERE e.seq IS NULL ORDER BY e.at, e.id LIMIT $1`,
      [SEAL_BATCH],
    );
    if (events.length === 0) return 0;
    let seq = Number(head?.lastSeq ?? 0);
    let previous = head?.lastHash ?? GENESIS_HASH;
    const links = events.map((event) => {
      const hash = linkHash(previous, event.canonical);
      const link = { id: event.id, seq: ++seq, prev_hash: previous, hash };
      previous = hash;
      return link;
    });
    await this.sql.count(
      `UPDATE audit_events e SET seq = l.seq, prev_hash = l.prev_hash, hash = l.hash, sealed_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS l(id uuid, seq bigint, prev_hash text, hash text)
        WHERE e.id = l.id`,
      [JSON.stringify(links)],
    );
    await this.sql.count(
      `INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, $1, $2)
       ON CONFLICT (id) DO UPDATE SET last_seq = $1, last_hash = $2, updated_at = now()`,
      [seq, previous],
    );
    return events.length;
  }

  /**
   * Recomputes the chain in seq order: a changed event breaks its own hash, a deleted one leaves
   * a gap in seq (the event after it is named), deleting the newest ones falls short of the head.
   */
  async verify(): Promise<ChainVerdict> {
    const head = await this.readHead();
    let expectedSeq = 1;
    let previous = GENESIS_HASH;
    let checked = 0;
    for (;;) {
      const rows = await this.sql.rows<{
        id: string;
        seq: string;
        prev_hash: string;
        hash: string;
        canonical: string;
      }>(
        `SELECT e.id, e.seq, e.prev_hash, e.hash, ${CANONICAL_EVENT} AS canonical
           FROM audit_events e WHERE e.seq >= $1 ORDER BY e.seq LIMIT $2`,
        [expectedSeq, VERIFY_BATCH],
      );
      for (const row of rows) {
        checked++;
        const intact =
          Number(row.seq) === expectedSeq &&
          row.prev_hash === previous &&
          row.hash === linkHash(previous, row.canonical);
        if (!intact) return { ok: false, checked, first_bad_event_id: row.id };
        previous = row.hash;
        expectedSeq++;
      }
      if (rows.length < VERIFY_BATCH) break;
    }
    const headIntact = head
      ? Number(head.lastSeq) === expectedSeq - 1 && head.lastHash === previous
      : checked === 0;
    return { ok: headIntact, checked, first_bad_event_id: null };
  }

  private readHead() {
    return this.sql.one<Pick<AuditChainHeadEntity, 'lastSeq' | 'lastHash'>>(
      'SELECT last_seq AS "lastSeq", last_hash AS "lastHash" FROM audit_chain_head WHERE id = 1',
    );
  }
}
