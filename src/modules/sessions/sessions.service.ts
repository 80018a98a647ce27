import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { RequestValidationError } from '../../platform/errors/system.errors';
import { type Page, paginate } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import type {
  CasefileWithSessionDto,
  CreateCasefileWithSessionDto,
} from './dto/casefile-session.dto';
import {
  type ListSessionsQuery,
  type SessionTokenDto,
  type ToolSessionDto,
  toToolSessionDto,
} from './dto/session.dto';
import {
  SessionAttachedError,
  SessionClosedError,
  SessionExpiredError,
  SessionNotFoundError,
} from './sessions.errors';
import type { Session, SessionKind } from './session';
import { SessionsRepository } from './sessions.repository';
import { AccessService } from '../access';
import { AuditTrail } from '../audit';
import { AuthService } from '../auth';
import { CasefilesService } from '../casefiles';

/** Rows one sweep statement expires; the sweep repeats until fewer are left. */
const SWEEP_BATCH = 1_000;

/**
 * The session core (API.md §5, §6): one lifecycle for tool and chat sessions — creation, access
 * (creator, or viewers of its casefile), expiry by idle TTL or cap, one request at a time across
 * instances (a busy lease taken in the lookup's own statement), token binding and recreation of an
 * expired bound session. This service creates, lists, closes, binds and sweeps them; what one
 * request does to its session is the SessionResolver's (the `session_lifecycle` hook's). The
 * kinds' modules add what a session holds.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly config: AppConfig,
    private readonly auditTrail: AuditTrail,
    private readonly access: AccessService,
    private readonly casefiles: CasefilesService,
    private readonly auth: AuthService,
  ) {}

  private get cap(): number {
    return this.config.sessions.maxTtlSeconds;
  }

  /** A new session, in a casefile the caller may edit when one is given. */
  async create(
    actor: Actor,
    kind: SessionKind,
    options: {
      casefileId?: string | null;
      ttlSeconds?: number;
      /** What the kind adds (a chat's title, provider, …), kept with the session. */
      attributes?: Record<string, unknown>;
    },
  ): Promise<Session> {
    const casefileId = options.casefileId ?? null;
    const ttlSeconds = this.ttlOf(options.ttlSeconds, 'ttl_seconds');
    if (casefileId) await this.access.require(actor, casefileId, 'editor');
    const session = await this.sessions.insert({
      kind,
      userId: actor.userId,
      casefileId,
      ttlSeconds,
      maxTtlSeconds: this.cap,
      attributes: options.attributes,
    });
    this.auditTrail.note({
      resourceType: `${kind}_session`,
      resourceId: session.id,
      casefileId: casefileId ?? undefined,
    });
    return session;
  }

  /** A new casefile with a tool session in it: the hub's transaction makes it both or neither. */
  async createWithCasefile(
    actor: Actor,
    dto: CreateCasefileWithSessionDto,
  ): Promise<CasefileWithSessionDto> {
    const { session_ttl_seconds: requested, ...casefileDto } = dto;
    const ttlSeconds = this.ttlOf(requested, 'session_ttl_seconds');
    const casefile = await this.casefiles.create(actor, casefileDto);
    const session = await this.sessions.insert({
      kind: 'tool',
      userId: actor.userId,
      casefileId: casefile.id,
      ttlSeconds,
      maxTtlSeconds: this.cap,
    });
    this.auditTrail.note({ details: { tool_session_id: session.id } });
    return {
      casefile: { ...casefile, counts: { ...casefile.counts, tool_sessions: 1 } },
      tool_session: toToolSessionDto(session),
    };
  }

  /**
   * Attaches the caller's own active, unattached session (of either kind) to a casefile they
   * may edit; attaching it again is a no-op.
   */
  async attachToCasefile(
    actor: Actor,
    casefileId: string,
    sessionId: string,
  ): Promise<ToolSessionDto> {
    await this.access.require(actor, casefileId, 'editor');
    this.auditTrail.note({
      resourceType: 'casefile',
      resourceId: casefileId,
      casefileId,
      details: { session_id: sessionId },
    });
    const attached = await this.sessions.attachToCasefile(
      sessionId,
      actor.userId,
      casefileId,
      this.cap,
    );
    if (attached) return toToolSessionDto(attached);
    const session = await this.sessions.findById(sessionId);
    if (!session || session.userId !== actor.userId) throw new SessionNotFoundError('tool');
    if (session.casefileId === casefileId) return toToolSessionDto(session);
    if (session.casefileId !== null) throw new SessionAttachedError(session.kind);
    if (session.status === 'closed') throw new SessionClosedError();
    throw new SessionExpiredError();
  }

  /**
   * The caller's sessions of a kind, newest first (filters: casefile, status as seen); `toItem`
   * is told whether a session still marked active is past its deadline (shown expired).
   */
  list<Item>(
    actor: Actor,
    kind: SessionKind,
    query: ListSessionsQuery,
    toItem: (session: Session, due: boolean) => Item,
  ): Promise<Page<Item>> {
    const filters = {
      userId: actor.userId,
      kind,
      casefileId: query.casefile_id,
      status: query.status,
    };
    return paginate(
      query,
      {
        sort: '-created_at',
        fetch: (take, after) => this.sessions.list(filters, this.cap, take, after),
        count: () => this.sessions.count(filters, this.cap),
      },
      (row) => toItem(row, row.due),
    );
  }

  /** Closes the session (its creator; the hook checked); closing an ended one changes nothing. */
  async close(session: Session): Promise<Session> {
    this.noteSession(session);
    return (await this.sessions.close(session.id)) ?? session;
  }

  /**
   * Whether a request (a chat turn, a tool request) still holds the session. A lease that lapsed
   * is free: its holder died, or ran past the longest it may.
   */
  isBusy(sessionId: string): Promise<boolean> {
    return this.sessions.leaseHeld(sessionId);
  }

  /** `POST /auth/session-token`: a token binding the caller's own session (not a closed one). */
  async bindToken(actor: Actor, sessionId: string): Promise<SessionTokenDto> {
    const session = await this.sessions.findById(sessionId);
    // someone else's session answers exactly like an unknown one, whatever its kind
    if (!session || session.userId !== actor.userId) throw new SessionNotFoundError('tool');
    if (session.status === 'closed') throw new SessionClosedError();
    this.noteSession(session);
    const token = await this.auth.issueSessionToken(actor, { id: session.id, kind: session.kind });
    return { ...token, session_id: session.id, session_kind: session.kind };
  }

  /** Expires every due session, in batches (the scheduled sweep; safe on many instances). */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await this.sessions.sweep(this.cap, SWEEP_BATCH);
      total += expired;
      if (expired < SWEEP_BATCH) return total;
    }
  }

  /** A requested idle TTL, refused past the absolute cap; the configured default otherwise. */
  private ttlOf(requested: number | undefined, field: string): number {
    if (requested === undefined) return this.config.sessions.idleTtlSeconds;
    if (requested > this.cap) {
      throw new RequestValidationError([
        {
          field,
          message: `${field} must not be greater than ${this.cap} (SESSION_MAX_TTL_SECONDS)`,
        },
      ]);
    }
    return requested;
  }

  private noteSession(session: Session): void {
    this.auditTrail.note({
      resourceType: `${session.kind}_session`,
      resourceId: session.id,
      casefileId: session.casefileId ?? undefined,
    });
  }
}
