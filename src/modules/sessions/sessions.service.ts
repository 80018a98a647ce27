import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { RequestValidationError } from '../../core/errors/system.errors';
import { type Page, paginate } from '../../core/http/pagination';
import type { Actor, ResolvedSession, SessionKind, SessionOperation } from '../../core/hub/actor';
import { AccessService } from '../access/access.service';
import { includesLevel } from '../access/permission-level';
import { AuditTrail } from '../audit/audit-trail';
import { AuthService } from '../auth/auth.service';
import { CasefilesService } from '../casefiles/casefiles.service';
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
  NotSessionCreatorError,
  SessionAttachedError,
  SessionBusyError,
  SessionClosedError,
  SessionExpiredError,
  SessionNotFoundError,
} from './sessions.errors';
import { type SessionLookup, type SessionRow, SessionsRepository } from './sessions.repository';

/** What the lifecycle hook resolved for a request. */
export interface SessionResolution {
  session: SessionRow;
  /** The busy lease taken for a `run` operation (released after the request). */
  lease?: string;
  /** The token's bound session had expired and this one replaced it (API.md §5.3). */
  recreated?: boolean;
}

/** A busy lease outlives the longest request it covers by this much (then a dead holder's ends). */
const LEASE_GRACE_SECONDS = 5;
/** Rows one sweep statement expires; the sweep repeats until fewer are left. */
const SWEEP_BATCH = 1_000;

/**
 * The session core (API.md §5, §6): one lifecycle for tool and chat sessions — creation, access
 * (creator, or viewers of its casefile), expiry by idle TTL or cap, one request at a time across
 * instances (a busy lease taken in the lookup's own statement), token binding and recreation of an
 * expired bound session. The `session_lifecycle` hook calls `resolve`/`afterSuccess`/
 * `afterFailure`; the kinds' modules add what a session holds.
 */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger('Sessions');

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

  /** How long a `run` request may hold a session of `kind` before its lease lapses. */
  leaseSeconds(kind: SessionKind): number {
    const tool = this.config.tools.timeoutMs / 1000;
    // a chat turn runs up to CHAT_MAX_TOOL_ROUNDS tools plus the model's answers
    const seconds = kind === 'tool' ? tool : (this.config.chat.maxToolRounds + 1) * tool + 60;
    return seconds + LEASE_GRACE_SECONDS;
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
  ): Promise<SessionRow> {
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
    toItem: (session: SessionRow, due: boolean) => Item,
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
  async close(session: SessionRow): Promise<SessionRow> {
    this.noteSession(session);
    return (await this.sessions.close(session.id)) ?? session;
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

  /**
   * The session an operation names (`id`) or the token binds (`operation.bound`), checked for
   * the operation's access, expired when due (which a `run` is then refused for, unless the
   * token binds it: then a replacement takes over), and held for a `run`.
   */
  async resolve(
    actor: Actor,
    operation: SessionOperation,
    id: string | undefined,
  ): Promise<SessionResolution> {
    if (operation.bound) return this.resolveBound(actor, operation);
    if (!id) throw new SessionNotFoundError(operation.kind);
    return this.resolveById(actor, operation, id);
  }

  /**
   * After a successful request: its creator's activity moved forward (a casefile viewer reading
   * the session does not keep it alive), the lease released and a run counted.
   */
  async afterSuccess(
    session: ResolvedSession,
    actor: Actor,
    lease: string | undefined,
  ): Promise<void> {
    if (lease === undefined && session.userId !== actor.userId) return;
    await this.sessions.touch(
      session.id,
      this.cap,
      lease === undefined ? undefined : { token: lease, counted: true },
    );
  }

  /** After a failed request: its lease is released at once (its transaction rolled back). */
  async afterFailure(sessionId: string, lease: string | undefined): Promise<void> {
    if (lease !== undefined) await this.sessions.release(sessionId, lease);
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

  private async resolveById(
    actor: Actor,
    operation: SessionOperation,
    id: string,
  ): Promise<SessionResolution> {
    if (operation.access !== 'run') {
      const found = this.checked(actor, operation, await this.find(actor, operation.kind, id));
      if (!found.due) return { session: found };
      // expire it now; a request still holding it keeps it active until it ends
      const expired = await this.sessions.expireIfDue(id, this.cap);
      return { session: expired ?? ((await this.sessions.findById(id)) as SessionRow) };
    }
    const lease = randomUUID();
    const found = await this.sessions.findAndClaim(id, operation.kind, actor.userId, this.cap, {
      token: lease,
      seconds: this.leaseSeconds(operation.kind),
    });
    try {
      this.checked(actor, operation, found);
    } catch (error) {
      if (found?.claimed) await this.sessions.release(id, lease);
      throw error;
    }
    const session = found as SessionLookup;
    if (session.claimed) return { session, lease };
    if (session.status === 'closed') throw new SessionClosedError();
    if (session.status === 'expired') throw new SessionExpiredError();
    if (session.busy) throw new SessionBusyError();
    if (session.due) {
      await this.sessions.expireIfDue(id, this.cap);
      throw new SessionExpiredError();
    }
    // it changed between the claim and the read (another request took it or ended it)
    throw new SessionBusyError();
  }

  /**
   * The `current` routes: the token's bound session, or the replacement that took over when it
   * expired (created here on first need, once, however many requests race for it).
   */
  private async resolveBound(
    actor: Actor,
    operation: SessionOperation,
  ): Promise<SessionResolution> {
    const bound = actor.session;
    if (!bound || bound.kind !== operation.kind) {
      throw new SessionClosedError(`The access token binds no ${operation.kind} session`);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.sessions.chainEnd(bound.id, operation.kind, actor.userId);
      if (!current) throw new SessionNotFoundError(operation.kind);
      try {
        const resolved = await this.resolveById(actor, operation, current);
        return { ...resolved, recreated: current !== bound.id };
      } catch (error) {
        if (!(error instanceof SessionExpiredError)) throw error;
      }
      const lease = randomUUID();
      const replacement = await this.sessions.replace(current, this.cap, {
        token: lease,
        seconds: this.leaseSeconds(operation.kind),
      });
      if (replacement) {
        this.logger.log({ replaced: current, session_id: replacement.id }, 'session recreated');
        return { session: replacement, lease, recreated: true };
      }
      // another request replaced it first: follow the chain again
    }
    throw new SessionBusyError();
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

  private find(actor: Actor, kind: SessionKind, id: string) {
    return this.sessions.find(id, kind, actor.userId, this.cap);
  }

  /** The access rule of sessions: creator, or viewers of its casefile; use and close: creator. */
  private checked(
    actor: Actor,
    operation: SessionOperation,
    found: SessionLookup | undefined,
  ): SessionLookup {
    const isCreator = found?.userId === actor.userId;
    if (!found || (!isCreator && !includesLevel(found.level, 'viewer'))) {
      throw new SessionNotFoundError(operation.kind);
    }
    if (operation.access !== 'read' && !isCreator) throw new NotSessionCreatorError(found.level);
    if (operation.access === 'run' && found.casefileId !== null) {
      this.access.assertIncludes(found.casefileId, found.level, 'editor');
    }
    return found;
  }

  private noteSession(session: SessionRow): void {
    this.auditTrail.note({
      resourceType: `${session.kind}_session`,
      resourceId: session.id,
      casefileId: session.casefileId ?? undefined,
    });
  }
}
