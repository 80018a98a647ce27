import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { uuidv7 } from 'uuidv7';
import { AppConfig } from '../../../config/app-config';
import { DomainError } from '../../../core/errors/domain-error';
import { toDomainError } from '../../../core/errors/all-exceptions.filter';
import { type SseEvent, StreamReportedFailure } from '../../../core/http/event-stream';
import type { ResponseMode } from '../../../core/http/event-stream';
import type { Actor } from '../../../core/hub/actor';
import { CHAT_MESSAGES_TOTAL, CHAT_TURN_DURATION } from '../../../core/metrics/metric-names';
import { AuditTrail } from '../../audit/audit-trail';
import { CasefilesService } from '../../casefiles/casefiles.service';
import type { SessionRow } from '../../sessions/sessions.repository';
import { ToolSessionsService } from '../../tool-sessions/tool-sessions.service';
import { attributesOf } from '../chat-attributes';
import type { ChatMessageEntity } from '../chat-message.entity';
import { ChatMessagesRepository, type NewChatMessage } from '../chat-messages.repository';
import { type ChatMessageDto, type ChatTurnDto, toChatMessageDto } from '../dto/chat.dto';
import {
  CHAT_MODEL,
  type ChatModel,
  type ModelMessage,
  type ModelRequest,
  type ModelToolCall,
} from '../providers/chat-model';
import { isLast, type TurnEvent, toSseEvent } from './turn-event';
import { TurnEventsRepository } from './turn-events.repository';
import { TurnRecorder } from './turn-recorder';
import { TurnSignals } from './turn-signals';

/** How much of the conversation a model is shown. */
const HISTORY_LIMIT = 50;

/** The tool path's refusals before a tool runs: answered to the model, not failed turns. */
const TOOL_CALL_REFUSALS = new Set(['NF_TOOL', 'VAL_TOOL_PARAMETERS', 'BR_CASEFILE_REQUIRED']);

/** A turn that has started: its id, its outcome, and its events as they are stored. */
interface RunningTurn {
  id: string;
  outcome: Promise<ChatTurnDto>;
  events: AsyncIterable<TurnEvent>;
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

/** What a tool call's `tool` message says: its status, result and error, as JSON. */
const toolOutcome = (status: string, result: unknown, error: unknown): string =>
  JSON.stringify({ status, result, error });

/**
 * Chat turns (API.md §6): the user's message, the model's answers and every tool call it makes,
 * run through the tool-session module's own tool path. A turn runs on its own, apart from the
 * request that started it — a client that leaves does not stop it — and a streamed one records
 * its events as it goes (`chat_turn_events`); TurnFollower resumes them, on any instance.
 */
@Injectable()
export class ChatTurns implements OnModuleDestroy {
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly messages: ChatMessagesRepository,
    private readonly events: TurnEventsRepository,
    private readonly signals: TurnSignals,
    private readonly tools: ToolSessionsService,
    private readonly casefiles: CasefilesService,
    private readonly auditTrail: AuditTrail,
    private readonly config: AppConfig,
    @Inject(CHAT_MODEL) private readonly model: ChatModel,
    @InjectMetric(CHAT_MESSAGES_TOTAL) private readonly turns: Counter<string>,
    @InjectMetric(CHAT_TURN_DURATION) private readonly turnDuration: Histogram<string>,
  ) {}

  /**
   * A turn in the session the hook holds for this request, answered as JSON (when it ends) or as
   * its event stream. Either way the turn runs to its end, whatever the client does.
   */
  take(
    actor: Actor,
    session: SessionRow,
    content: string,
    mode: ResponseMode,
  ): Promise<ChatTurnDto> | AsyncIterable<SseEvent> {
    const turn = this.start(actor, session, content, mode === 'sse');
    return mode === 'sse' ? this.streamOf(turn) : turn.outcome;
  }

  /** Turns still running when the application stops are let finish (each within its lease). */
  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  /**
   * Starts a turn; a streamed one records its events. A turn answered as JSON records none: its
   * answer is its messages (stored as they come either way), and its events would double what the
   * database does for it (measured: 1 077 → 1 944 µs of PostgreSQL CPU per builtin turn).
   */
  private start(
    actor: Actor,
    session: SessionRow,
    content: string,
    streamed: boolean,
  ): RunningTurn {
    const channel = this.signals.databaseChannel;
    const turnId = uuidv7();
    const recorder = new TurnRecorder(
      turnId,
      streamed
        ? async (batch) => {
            await this.events.append(session.id, turnId, batch, channel);
            if (channel === undefined) await this.signals.publish(turnId);
          }
        : undefined,
    );
    const outcome = this.run(actor, session, content, recorder);
    const settled = outcome.catch(() => undefined).finally(() => this.running.delete(settled));
    this.running.add(settled);
    return { id: recorder.turnId, outcome, events: recorder.live() };
  }

  /**
   * The stream of a turn this request started. Its `done` closes the request (the session is
   * free once a client sees it). When the client leaves early, the stream waits for the turn to
   * end (the session stays held meanwhile); a failed turn, which its own `error` event reported,
   * runs the request's error hooks either way.
   */
  private async *streamOf(turn: RunningTurn): AsyncGenerator<SseEvent> {
    const failureOf = () =>
      turn.outcome.then(
        () => undefined,
        (error: unknown) => error,
      );
    let closed = false;
    try {
      for await (const event of turn.events) {
        if (!isLast(event)) {
          yield toSseEvent(event);
          continue;
        }
        closed = true;
        yield { ...toSseEvent(event), closes: { failure: await failureOf() } };
      }
    } finally {
      const failure = closed ? undefined : await failureOf();
      // eslint-disable-next-line no-unsafe-finally -- the failure must outlive an early return
      if (failure !== undefined) throw new StreamReportedFailure(failure);
    }
  }

  /**
   * The turn: the user's message, then the model and its tool calls for at most
   * CHAT_MAX_TOOL_ROUNDS rounds, then its answer. Each message is stored as soon as it exists,
   * so a turn that fails half-way is kept as far as it got; its events end with `done` either way.
   */
  private async run(
    actor: Actor,
    session: SessionRow,
    content: string,
    recorder: TurnRecorder,
  ): Promise<ChatTurnDto> {
    const started = performance.now();
    const provider = { provider: this.model.provider };
    const stored: ChatMessageDto[] = [];
    const toolRequests: string[] = [];
    const store = async (message: Omit<NewChatMessage, 'sessionId' | 'turnId'>) => {
      const row = await this.messages.insert({
        ...message,
        sessionId: session.id,
        turnId: recorder.turnId,
      });
      const dto = toChatMessageDto(row);
      stored.push(dto);
      return { row, dto };
    };
    try {
      const user = await store({ role: 'user', content, toolCalls: null, toolCallId: null });
      recorder.emit('message.created', { message: user.dto });
      const attributes = attributesOf(session);
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
      for (let round = 0; ; round++) {
        const lastRound = round >= this.config.chat.maxToolRounds;
        const request: ModelRequest = { messages: conversation, tools: lastRound ? [] : tools };
        if (casefile) request.casefile = casefile;
        const id = uuidv7(); // known to its deltas before it is stored (stored when complete)
        recorder.emit('message.created', {
          message: { id, session_id: session.id, turn_id: recorder.turnId, role: 'assistant' },
        });
        const reply = await this.model.reply(request, (text) =>
          recorder.emit('message.delta', { message_id: id, text }),
        );
        const calls = lastRound ? [] : reply.toolCalls;
        const assistant = await store({
          id,
          role: 'assistant',
          content: reply.content,
          toolCalls: calls.length > 0 ? calls : null,
          toolCallId: null,
        });
        recorder.emit('message.completed', { message: assistant.dto });
        if (calls.length === 0) break;
        conversation.push(toModelMessage(assistant.row));
        // parallel tool calls run together; their messages follow in the order the model made them
        const outcomes = await Promise.all(
          calls.map(async (call) => {
            recorder.emit('tool.call', {
              tool_call_id: call.id,
              name: call.name,
              arguments: call.arguments,
            });
            const outcome = await this.runToolCall(actor, session, call);
            recorder.emit('tool.result', {
              tool_call_id: call.id,
              name: call.name,
              ...outcome.event,
            });
            if (outcome.requestId) toolRequests.push(outcome.requestId);
            return outcome;
          }),
        );
        for (const [index, call] of calls.entries()) {
          const answered = await store({
            role: 'tool',
            content: outcomes[index].content,
            toolCalls: null,
            toolCallId: call.id,
          });
          recorder.emit('message.created', { message: answered.dto });
          conversation.push(toModelMessage(answered.row));
        }
      }
      recorder.emit('done', { status: 'succeeded', message_count: stored.length });
      this.turns.inc({ ...provider, status: 'succeeded' });
      return { turn_id: recorder.turnId, messages: stored };
    } catch (error) {
      const { code, message, details } = toDomainError(error, { method: 'POST', path: 'turn' });
      recorder.emit('error', { code, message, ...(details && { details }) });
      recorder.emit('done', { status: 'failed', message_count: stored.length });
      this.turns.inc({ ...provider, status: 'failed' });
      throw error;
    } finally {
      this.auditTrail.note({
        resourceType: 'chat_turn',
        resourceId: recorder.turnId,
        casefileId: session.casefileId ?? undefined,
        details: { session_id: session.id, messages: stored.length, tool_requests: toolRequests },
      });
      this.turnDuration.observe(provider, (performance.now() - started) / 1000);
      await recorder.flushed();
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
  ): Promise<{ content: string; requestId?: string; event: Record<string, unknown> }> {
    const refused = (error: Record<string, unknown>) => ({
      content: toolOutcome('failed', null, error),
      event: { status: 'failed', result: null, error },
    });
    let parameters: unknown;
    try {
      parameters = JSON.parse(call.arguments || '{}');
    } catch {
      parameters = undefined;
    }
    if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
      return refused({
        code: 'VAL_TOOL_PARAMETERS',
        message: 'The arguments are not a JSON object',
      });
    }
    try {
      const request = await this.tools.execute(
        actor,
        session,
        call.name,
        parameters as Record<string, unknown>,
      );
      const { status, result, error } = request;
      return {
        content: toolOutcome(status, result, error),
        requestId: request.id,
        event: { status, result, error, tool_request_id: request.id },
      };
    } catch (error) {
      if (!(error instanceof DomainError) || !TOOL_CALL_REFUSALS.has(error.code)) throw error;
      const { code, message, details } = error;
      return refused({ code, message, ...(details && { details }) });
    }
  }

  private async casefileSummary(actor: Actor, casefileId: string) {
    const casefile = await this.casefiles.get(actor, casefileId);
    return { title: casefile.title, counts: { ...casefile.counts } };
  }
}
