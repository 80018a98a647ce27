import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import type { Actor } from '../../core/hub/actor';
import { AccessService } from '../access/access.service';
import { AuditTrail } from '../audit/audit-trail';
import { CasefilesService } from '../casefiles/casefiles.service';
import type {
  CasefileWithSessionDto,
  CreateCasefileWithSessionDto,
} from './dto/casefile-session.dto';
import { type ToolSessionDto, toToolSessionDto } from './dto/tool-session.dto';
import {
  SessionAttachedError,
  SessionClosedError,
  SessionExpiredError,
  ToolSessionNotFoundError,
} from './tool-sessions.errors';
import { ToolSessionsRepository } from './tool-sessions.repository';

/**
 * Tool sessions (API.md §5): creating one (alone or with a new casefile) and attaching one to a
 * casefile; the tool-session routes, the registry and the lifecycle hook grow here.
 */
@Injectable()
export class ToolSessionsService {
  constructor(
    private readonly sessions: ToolSessionsRepository,
    private readonly config: AppConfig,
    private readonly auditTrail: AuditTrail,
    private readonly access: AccessService,
    private readonly casefiles: CasefilesService,
  ) {}

  /** A new casefile with a session in it: the hub's transaction makes it both or neither. */
  async createWithCasefile(
    actor: Actor,
    dto: CreateCasefileWithSessionDto,
  ): Promise<CasefileWithSessionDto> {
    const { session_ttl_seconds: ttlSeconds, ...casefileDto } = dto;
    const casefile = await this.casefiles.create(actor, casefileDto);
    const session = await this.create(actor, { casefileId: casefile.id, ttlSeconds });
    return {
      casefile: { ...casefile, counts: { ...casefile.counts, tool_sessions: 1 } },
      tool_session: session,
    };
  }

  async create(
    actor: Actor,
    options: { casefileId: string | null; ttlSeconds?: number },
  ): Promise<ToolSessionDto> {
    const session = await this.sessions.insert({
      userId: actor.userId,
      casefileId: options.casefileId,
      ttlSeconds: options.ttlSeconds ?? this.config.sessions.idleTtlSeconds,
      maxTtlSeconds: this.config.sessions.maxTtlSeconds,
    });
    this.auditTrail.note({ details: { tool_session_id: session.id } });
    return toToolSessionDto(session);
  }

  /**
   * Attaches the caller's own active, unattached session to a casefile they may edit; attaching
   * it again is a no-op.
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
      details: { tool_session_id: sessionId },
    });
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
