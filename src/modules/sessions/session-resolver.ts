import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import type { Actor } from '../../core/hub/actor';
import {
  NotSessionCreatorError,
  SessionBusyError,
  SessionClosedError,
  SessionExpiredError,
  SessionNotFoundError,
} from './sessions.errors';
import type { Session, SessionKind } from './session';
import { type SessionLookup, SessionsRepository } from './sessions.repository';
import type { SessionOperation } from './uses-session.decorator';
import { AccessService, includesLevel } from '../access';
import { boundSessionOf } from '../auth';

/** What the lifecycle hook resolved for a request. */
export interface SessionResolution {
  session: Session;
  /** The busy lease taken for a `run` operation (released after the request). */
  lease?: string;
  /** The token's bound session had expired and this one replaced it (API.md §5.3). */
  recreated?: boolean;
}

/** A busy lease outlives the longest request it covers by this much (then a dead holder's ends). */
const LEASE_GRACE_SECONDS = 5;

/**
 * What one request does to the session it names, for the `session_lifecycle` hook: the access
 * rule (creator, or viewers of its casefile; close and run: the creator; run: with editor),
 * expiry when due, the busy lease of a `run` (taken in the lookup's own statement, so one request
 * at a time across instances), the replacement of an expired bound session, and afterwards the
 * activity moved forward or the lease released.
 */
@Injectable()
export class SessionResolver {
  private readonly logger = new Logger('Sessions');

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly config: AppConfig,
    private readonly access: AccessService,
  ) {}

  private get cap(): number {
    return this.config.sessions.maxTtlSeconds;
  }

  /** How long a `run` request may hold a session of `kind` before its lease lapses. */
  leaseSeconds(kind: SessionKind): number {
    // a tool run may wait a whole timeout for a worker (then it is refused), and run another
    const tool = (2 * this.config.tools.timeoutMs) / 1000;
    // a chat turn ends by CHAT_TURN_DEADLINE_MS, but for the tool calls it had started then
    const turn = this.config.chat.turnDeadlineMs / 1000 + tool;
    return (kind === 'tool' ? tool : turn) + LEASE_GRACE_SECONDS;
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
    session: Pick<Session, 'id' | 'userId'>,
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

  private async resolveById(
    actor: Actor,
    operation: SessionOperation,
    id: string,
  ): Promise<SessionResolution> {
    if (operation.access !== 'run') {
      const found = this.checked(
        actor,
        operation,
        await this.sessions.find(id, operation.kind, actor.userId, this.cap),
      );
      if (!found.due) return { session: found };
      // expire it now; a request still holding it keeps it active until it ends
      const expired = await this.sessions.expireIfDue(id, this.cap);
      return { session: expired ?? ((await this.sessions.findById(id)) as Session) };
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
    const bound = boundSessionOf(actor);
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
}
