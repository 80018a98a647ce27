import { Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import { type Page, type PageQuery, paginate, singlePage } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import type {
  CreateToolSessionDto,
  ProcessToolRequestDto,
  ToolRequestDto,
} from './dto/tool-request.dto';
import type { ToolDto } from './dto/tool.dto';
import { ToolRunner } from './execution/tool-runner';
import { type RegisteredTool, ToolRegistry } from './registry/tool-registry';
import type { ToolRequestEntity } from './tool-request.entity';
import { ToolRequestsRepository } from './tool-requests.repository';
import { CasefileRequiredError } from './tool-sessions.errors';
import { AuditTrail } from '../audit';
import {
  type ListSessionsQuery,
  type Session,
  SessionsService,
  type ToolSessionDto,
  toToolSessionDto,
} from '../sessions';

function toToolDto({ definition }: RegisteredTool): ToolDto {
  return {
    name: definition.name,
    description: definition.description,
    parameters: definition.parameters,
    requires_casefile: definition.requiresCasefile,
  };
}

function toToolRequestDto(request: ToolRequestEntity): ToolRequestDto {
  return {
    id: request.id,
    session_id: request.sessionId,
    tool: request.tool,
    parameters: request.parameters,
    status: request.status,
    result: request.result ?? null,
    error: request.error,
    started_at: request.startedAt.toISOString(),
    duration_ms: request.durationMs,
  };
}

/**
 * Tool sessions (API.md §5): the registry's tools run in a session, each execution bounded and
 * recorded. The session itself — access, expiry, the busy lease — is the session core's
 * (SessionsService, through the `session_lifecycle` hook); this module adds what runs in it.
 */
@Injectable()
export class ToolSessionsService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly registry: ToolRegistry,
    private readonly runner: ToolRunner,
    private readonly requests: ToolRequestsRepository,
    private readonly auditTrail: AuditTrail,
  ) {}

  listTools(): Page<ToolDto> {
    return singlePage(this.registry.list().map(toToolDto));
  }

  getTool(name: string): ToolDto {
    return toToolDto(this.registry.get(name));
  }

  async create(actor: Actor, dto: CreateToolSessionDto): Promise<ToolSessionDto> {
    const session = await this.sessions.create(actor, 'tool', {
      casefileId: dto.casefile_id,
      ttlSeconds: dto.ttl_seconds,
    });
    return toToolSessionDto(session);
  }

  list(actor: Actor, query: ListSessionsQuery): Promise<Page<ToolSessionDto>> {
    return this.sessions.list(actor, 'tool', query, toToolSessionDto);
  }

  get(session: Session): ToolSessionDto {
    return toToolSessionDto(session);
  }

  async close(session: Session): Promise<ToolSessionDto> {
    return toToolSessionDto(await this.sessions.close(session));
  }

  /**
   * `POST /tool-sessions/{id}/requests`: one tool run in the session the hook holds for this
   * request (see `execute`), audited as the request's event.
   */
  async process(
    actor: Actor,
    session: Session,
    dto: ProcessToolRequestDto,
  ): Promise<ToolRequestDto> {
    const request = await this.execute(actor, session, dto.tool, dto.parameters ?? {});
    this.auditTrail.note({
      resourceType: 'tool_request',
      resourceId: request.id,
      casefileId: session.casefileId ?? undefined,
      details: {
        session_id: session.id,
        tool: request.tool,
        status: request.status,
        ...(request.error && { error_code: request.error.code }),
        duration_ms: request.duration_ms,
      },
    });
    return request;
  }

  /**
   * The tool path, for tool requests and for the tool calls of chat turns alike: the tool's
   * parameters checked against its schema first (a refusal — unknown tool, schema errors, a
   * casefile tool outside a casefile — runs and records nothing), then executed within its bounds
   * and recorded however it ended. The record goes out with the request's COMMIT (at once when
   * there is no transaction).
   */
  async execute(
    actor: Actor,
    session: Session,
    toolName: string,
    parameters: Record<string, unknown>,
  ): Promise<ToolRequestDto> {
    const tool = this.registry.get(toolName);
    this.registry.assertValid(tool, parameters);
    if (tool.definition.requiresCasefile && session.casefileId === null) {
      throw new CasefileRequiredError(tool.definition.name);
    }
    const outcome = await this.runner.run(
      tool,
      { sessionId: session.id, userId: actor.userId, casefileId: session.casefileId, actor },
      parameters,
    );
    const request: ToolRequestEntity = {
      id: uuidv7(),
      sessionId: session.id,
      tool: tool.definition.name,
      parameters,
      status: outcome.status,
      result: outcome.resultJson === null ? null : (JSON.parse(outcome.resultJson) as unknown),
      error: outcome.error,
      startedAt: outcome.startedAt,
      durationMs: outcome.durationMs,
    };
    await this.requests.record(request, outcome.resultJson);
    return toToolRequestDto(request);
  }

  /** The session's requests, oldest first (the hook checked read access). */
  history(session: Session, page: PageQuery): Promise<Page<ToolRequestDto>> {
    return paginate(
      page,
      {
        sort: 'started_at',
        fetch: (take, after) => this.requests.list(session.id, take, after),
        count: () => this.requests.count(session.id),
      },
      toToolRequestDto,
    );
  }
}
