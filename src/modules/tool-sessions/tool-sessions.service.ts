import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import type { Actor } from '../../core/hub/actor';
import { AuditTrail } from '../audit/audit-trail';
import { type ToolSessionDto, toToolSessionDto } from './dto/tool-session.dto';
import {
  SessionAttachedError,
  SessionClosedError,
  SessionExpiredError,
  ToolSessionNotFoundError,
} from './tool-sessions.errors';
import { ToolSessionsRepository } from './tool-sessions.repository';

/**
 * Tool sessions (API.md §5). This issue needs only creating one and attaching one to a casefile;
 * the tool-session routes, the registry and the lifecycle hook grow here.
 * Access to the casefile is the caller's business (it holds the AccessService check).
 */
@Injectable()
export class ToolSessionsService {
  constructor(
    private readonly sessions: ToolSessionsRepository,
    private readonly config: AppConfig,
    private readonly auditTrail: AuditTrail,
  ) {}

  async create(
    actor: Actor,
    options: { casefileId: string | null; ttlSeconds?: number },
  ): Promise<ToolSessionDto> {
    const session = await this.sessions.insert({
      userId: actor.userId,
      casefileId: options.casefileId,
      ttlSeconds: options.ttlSeconds ?? this.config.env.SESSION_IDLE_TTL_SECONDS,
      maxTtlSeconds: this.config.env.SESSION_MAX_TTL_SECONDS,
    });
    this.auditTrail.note({ details: { tool_session_id: session.id } });
    return toToolSessionDto(session);
  }

  /** Attaches the caller's own active, unattached session; attaching it again is a no-op. */
  async attachToCasefile(actor: Actor, sessionId: string, casefileId: string) {
    const attached = await this.sessions.attachToCasefile(sessionId, actor.userId, casefileId);
    if (attached) return toToolSessionDto(attached);
    const session = await this.sessions.findById(sessionId);
    if (!session || session.userId !== actor.userId) throw new ToolSessionNotFoundError();
    if (session.casefileId === casefileId) return toToolSessionDto(session);
    if (session.casefileId !== null) throw new SessionAttachedError();
    if (session.status === 'closed') throw new SessionClosedError();
    throw new SessionExpiredError();
  }
}
