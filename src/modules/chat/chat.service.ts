import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { uuidv7 } from 'uuidv7';
import { AppConfig } from '../../config/app-config';
import { DomainError } from '../../core/errors/domain-error';
import { type Page, type PageQuery, paginate } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import { CHAT_MESSAGES_TOTAL, CHAT_TURN_DURATION } from '../../core/metrics/metric-names';
import { AuditTrail } from '../audit/audit-trail';
import { CasefilesService } from '../casefiles/casefiles.service';
import { type ListSessionsQuery, sessionLifecycleOf } from '../sessions/dto/session.dto';
import type { SessionRow } from '../sessions/sessions.repository';
import { SessionsService } from '../sessions/sessions.service';
import { ToolSessionsService } from '../tool-sessions/tool-sessions.service';
import type { ChatMessageEntity } from './chat-message.entity';
import { ChatMessagesRepository, type NewChatMessage } from './chat-messages.repository';
import type {
  ChatMessageDto,
  ChatSessionDto,
  ChatTurnDto,
  CreateChatSessionDto,
} from './dto/chat.dto';
import {
  CHAT_MODEL,
  type ChatModel,
  type ModelMessage,
  type ModelRequest,
  type ModelToolCall,
} from './providers/chat-model';

/** What a chat adds to a session, kept in its attributes (and so in a replacement too). */
// a type, not an interface: it is a Record<string, unknown> as the session core keeps it
type ChatAttributes = {
  title: string | null;
  system_prompt: string | null;
  provider: string;
  model: string;
};

/** How much of the conversation a model is shown. */
const HISTORY_LIMIT = 50;

/** The tool path's refusals before a tool runs: answered to the model, not failed turns. */
const TOOL_CALL_REFUSALS = new Set(['NF_TOOL', 'VAL_TOOL_PARAMETERS', 'BR_CASEFILE_REQUIRED']);

function attributesOf(session: SessionRow): ChatAttributes {
  const attributes = session.attributes as Partial<ChatAttributes>;
  return {
    title: attributes.title ?? null,
    system_prompt: attributes.system_prompt ?? null,
    provider: attributes.provider ?? 'builtin',
    model: attributes.model ?? 'builtin-1',
  };
}

export function toChatSessionDto(
  session: SessionRow,
  messageCount: number,
  due = false,
): ChatSessionDto {
  const { title, provider, model } = attributesOf(session);
  return {
    ...sessionLifecycleOf(session, due),
    title,
    provider,
    model,
    message_count: messageCount,
  };
}

function toChatMessageDto(message: ChatMessageEntity): ChatMessageDto {
  return {
    id: message.id,
    session_id: message.sessionId,
    turn_id: message.turnId,
    role: message.role,
    content: message.content,
    ...(message.toolCalls && { tool_calls: message.toolCalls }),
    ...(message.toolCallId && { tool_call_id: message.toolCallId }),
    created_at: message.createdAt.toISOString(),
  };
}

function toModelMessage(message: ChatMessageEntity): ModelMessage {
  if (message.role === 'tool') {
    return { role: 'tool', content: message.content, toolCallId: message.toolCallId ?? '' };
  }
  if (message.role === 'assistant') {
    return { role: 'assistant', content: message.content, toolCalls: message.toolCalls ?? [] };
  }
  return { role: 'user', content: message.content };
}

/**
 * Chat sessions (API.md §6) on the session core, and their turns: the user's message, the model's
 * answers, and every tool call run through the tool-session module's own tool path (schema
 * check, worker timeout, recording, metrics). Each message is stored as soon as it exists, so a
 * turn that fails half-way is kept as far as it got.
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly tools: ToolSessionsService,
    private readonly messages: ChatMessagesRepository,
    private readonly casefiles: CasefilesService,
    private readonly auditTrail: AuditTrail,
    private readonly config: AppConfig,
    @Inject(CHAT_MODEL) private readonly model: ChatModel,
    @InjectMetric(CHAT_MESSAGES_TOTAL) private readonly turns: Counter<string>,
    @InjectMetric(CHAT_TURN_DURATION) private readonly turnDuration: Histogram<string>,
  ) {}

  async create(actor: Actor, dto: CreateChatSessionDto): Promise<ChatSessionDto> {
    const attributes: ChatAttributes = {
      title: dto.title ?? null,
      system_prompt: dto.system_prompt ?? null,
      provider: this.model.provider,
      model: this.model.model,
    };
    const session = await this.sessions.create(actor, 'chat', {
      casefileId: dto.casefile_id,
      ttlSeconds: dto.ttl_seconds,
      attributes,
    });
    return toChatSessionDto(session, 0);
  }

  async list(actor: Actor, query: ListSessionsQuery): Promise<Page<ChatSessionDto>> {
    const page = await this.sessions.list(actor, 'chat', query, (session, due) => ({
      session,
      due,
    }));
    const counts = await this.messages.counts(page.items.map(({ session }) => session.id));
    return {
      ...page,
      items: page.items.map(({ session, due }) =>
        toChatSessionDto(session, counts.get(session.id) ?? 0, due),
      ),
    };
  }

  async get(session: SessionRow): Promise<ChatSessionDto> {
    const counts = await this.messages.counts([session.id]);
    return toChatSessionDto(session, counts.get(session.id) ?? 0);
  }

  async close(session: SessionRow): Promise<ChatSessionDto> {
    return this.get(await this.sessions.close(session));
  }

  /** The session's messages, oldest first (the hook checked read access). */
  history(session: SessionRow, page: PageQuery): Promise<Page<ChatMessageDto>> {
    return paginate(
      page,
      {
        sort: 'created_at',
        fetch: (take, after) => this.messages.list(session.id, take, after),
        count: async () => (await this.messages.counts([session.id])).get(session.id) ?? 0,
      },
      toChatMessageDto,
    );
  }

  /**
   * One turn in the session the hook holds for this request: the user's message, then the model
   * and its tool calls for at most CHAT_MAX_TOOL_ROUNDS rounds, then its answer.
   */
  async turn(actor: Actor, session: SessionRow, content: string): Promise<ChatTurnDto> {
    const turnId = uuidv7();
    const started = performance.now();
    const provider = { provider: this.model.provider };
    const stored: ChatMessageDto[] = [];
    const store = async (message: Omit<NewChatMessage, 'sessionId' | 'turnId'>) => {
      const row = await this.messages.insert({ ...message, sessionId: session.id, turnId });
      stored.push(toChatMessageDto(row));
      return row;
    };
    try {
      const attributes = attributesOf(session);
      await store({ role: 'user', content, toolCalls: null, toolCallId: null });
      const conversation: ModelMessage[] = [
        ...(attributes.system_prompt
          ? [{ role: 'system' as const, content: attributes.system_prompt }]
          : []),
        ...(await this.messages.recent(session.id, HISTORY_LIMIT)).map(toModelMessage),
      ];
      const casefile = session.casefileId
        ? await this.casefileSummary(actor, session.casefileId)
        : undefined;
      const tools = this.tools.listTools().items;
      const toolRequests: string[] = [];
      for (let round = 0; ; round++) {
        const lastRound = round >= this.config.chat.maxToolRounds;
        const request: ModelRequest = { messages: conversation, tools: lastRound ? [] : tools };
        if (casefile) request.casefile = casefile;
        const reply = await this.model.reply(request);
        if (reply.toolCalls.length === 0 || lastRound) {
          await store({
            role: 'assistant',
            content: reply.content,
            toolCalls: null,
            toolCallId: null,
          });
          break;
        }
        const calling = await store({
          role: 'assistant',
          content: reply.content,
          toolCalls: reply.toolCalls,
          toolCallId: null,
        });
        conversation.push(toModelMessage(calling));
        for (const call of reply.toolCalls) {
          const outcome = await this.runToolCall(actor, session, call);
          if (outcome.requestId) toolRequests.push(outcome.requestId);
          const answered = await store({
            role: 'tool',
            content: outcome.content,
            toolCalls: null,
            toolCallId: call.id,
          });
          conversation.push(toModelMessage(answered));
        }
      }
      this.auditTrail.note({
        resourceType: 'chat_turn',
        resourceId: turnId,
        casefileId: session.casefileId ?? undefined,
        details: { session_id: session.id, messages: stored.length, tool_requests: toolRequests },
      });
      this.turns.inc({ ...provider, status: 'succeeded' });
      return { turn_id: turnId, messages: stored };
    } catch (error) {
      this.turns.inc({ ...provider, status: 'failed' });
      throw error;
    } finally {
      this.turnDuration.observe(provider, (performance.now() - started) / 1000);
    }
  }

  /**
   * A tool call through the tool path; what the model gets back is a `tool` message. A tool that
   * does not exist, arguments that are not JSON or do not match the schema are answered to the
   * model as errors, like a tool that failed — never a failed turn.
   */
  private async runToolCall(
    actor: Actor,
    session: SessionRow,
    call: ModelToolCall,
  ): Promise<{ content: string; requestId?: string }> {
    let parameters: unknown;
    try {
      parameters = JSON.parse(call.arguments || '{}');
    } catch {
      parameters = undefined;
    }
    if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
      const error = { code: 'VAL_TOOL_PARAMETERS', message: 'The arguments are not a JSON object' };
      return { content: JSON.stringify({ status: 'failed', result: null, error }) };
    }
    try {
      const request = await this.tools.execute(
        actor,
        session,
        call.name,
        parameters as Record<string, unknown>,
      );
      const { status, result, error } = request;
      return { content: JSON.stringify({ status, result, error }), requestId: request.id };
    } catch (error) {
      if (!(error instanceof DomainError) || !TOOL_CALL_REFUSALS.has(error.code)) throw error;
      const { code, message, details } = error;
      return {
        content: JSON.stringify({
          status: 'failed',
          result: null,
          error: { code, message, ...(details && { details }) },
        }),
      };
    }
  }

  private async casefileSummary(actor: Actor, casefileId: string) {
    const casefile = await this.casefiles.get(actor, casefileId);
    return { title: casefile.title, counts: { ...casefile.counts } };
  }
}
