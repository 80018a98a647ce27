import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { uuidv7 } from 'uuidv7';
import { AppConfig } from '../../../config/app-config';
import { toDomainError } from '../../../core/errors/all-exceptions.filter';
import { type SseEvent, StreamReportedFailure } from '../../../core/http/event-stream';
import type { ResponseMode } from '../../../core/http/event-stream';
import type { Actor } from '../../../core/hub/actor';
import { CHAT_MESSAGES_TOTAL, CHAT_TURN_DURATION } from '../chat.metrics';
import { attributesOf } from '../chat-attributes';
import { ChatMessagesRepository } from '../chat-messages.repository';
import { ChatTurnDeadlineError, ChatTurnInterruptedError } from '../chat.errors';
import { TurnMessages } from './turn-messages';
import type { ChatTurnDto } from '../dto/chat.dto';
import { CHAT_MODEL, type ChatModel, type ModelRequest } from '../providers/chat-model';
import { conversationOf, toModelMessage, unansweredOutcome } from './conversation';
import { isLast, type TurnEvent, toSseEvent } from './turn-event';
import { TurnEventsRepository } from './turn-events.repository';
import { TurnRecorder } from './turn-recorder';
import { TurnSignals } from './turn-signals';
import { TurnToolCalls } from './turn-tool-calls';
import { toStorableText } from '../../../core/http/hostile-input';
import { AuditTrail } from '../../audit';
import { CasefilesService } from '../../casefiles';
import { type Session } from '../../sessions';

/** How much of the conversation a model is shown. */
const HISTORY_LIMIT = 50;

/** A turn that has started: its id, its outcome, and its events as they are stored. */
interface RunningTurn {
  id: string;
  outcome: Promise<ChatTurnDto>;
  events: AsyncIterable<TurnEvent>;
}

/**
 * Chat turns (API.md §6): the user's message, the model's answers and every tool call it makes,
 * run through the tool-session module's own tool path. A turn runs on its own, apart from the
 * request that started it — a client that leaves does not stop it — and a streamed one records
 * its events as it goes (`chat_turn_events`); TurnFollower resumes them, on any instance.
 */
@Injectable()
export class ChatTurnsService implements OnModuleDestroy {
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly messages: ChatMessagesRepository,
    private readonly events: TurnEventsRepository,
    private readonly signals: TurnSignals,
    private readonly toolCalls: TurnToolCalls,
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
    session: Session,
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
   * answer is its messages (stored as they come either way), and its events would nearly double
   * what the database does for it (docs/benchmarks.md).
   */
  private start(actor: Actor, session: Session, content: string, streamed: boolean): RunningTurn {
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
   * CHAT_MAX_TOOL_ROUNDS rounds, then its answer, all within CHAT_TURN_DEADLINE_MS. Each message is
   * stored as soon as it exists, so a turn that fails half-way is kept as far as it got — with a
   * failed `tool` message for each call it leaves unanswered, which the model's server would
   * otherwise refuse in every later turn; its events end with `done` either way.
   */
  private async run(
    actor: Actor,
    session: Session,
    content: string,
    recorder: TurnRecorder,
  ): Promise<ChatTurnDto> {
    const started = performance.now();
    const provider = { provider: this.model.provider };
    const turn = new TurnMessages(this.messages, session.id, recorder);
    const { turnDeadlineMs } = this.config.chat;
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new ChatTurnDeadlineError(turnDeadlineMs)),
      turnDeadlineMs,
    );
    try {
      await this.begin(session, content, turn, recorder);
      await this.converse(actor, session, turn, recorder, deadline.signal);
      recorder.emit('done', { status: 'succeeded', message_count: turn.stored.length });
      this.turns.inc({ ...provider, status: 'succeeded' });
      return { turn_id: recorder.turnId, messages: turn.stored };
    } catch (error) {
      const failure = toDomainError(error);
      // when this fails too (the database is away), the next turn closes them
      await turn.storeAnswers(failure).catch(() => undefined);
      const { code, message, details } = failure;
      recorder.emit('error', { code, message, ...(details && { details }) });
      recorder.emit('done', { status: 'failed', message_count: turn.stored.length });
      this.turns.inc({ ...provider, status: 'failed' });
      throw error;
    } finally {
      clearTimeout(timer);
      this.auditTrail.note({
        resourceType: 'chat_turn',
        resourceId: recorder.turnId,
        casefileId: session.casefileId ?? undefined,
        details: {
          session_id: session.id,
          messages: turn.stored.length,
          tool_requests: turn.toolRequests,
        },
      });
      this.turnDuration.observe(provider, (performance.now() - started) / 1000);
      await recorder.flushed();
    }
  }

  /** The user's message stored, after what an interrupted turn left open; the conversation so far. */
  private async begin(
    session: Session,
    content: string,
    turn: TurnMessages,
    recorder: TurnRecorder,
  ): Promise<void> {
    await this.closeInterrupted(session.id);
    const user = await turn.store({ role: 'user', content, toolCalls: null, toolCallId: null });
    recorder.emit('message.created', { message: user.dto });
    const attributes = attributesOf(session);
    if (attributes.system_prompt) {
      turn.conversation.push({ role: 'system', content: attributes.system_prompt });
    }
    turn.conversation.push(
      ...conversationOf(await this.messages.recent(session.id, HISTORY_LIMIT)),
    );
  }

  /** The model's rounds: each answer stored, its tool calls run and answered, until it stops. */
  private async converse(
    actor: Actor,
    session: Session,
    turn: TurnMessages,
    recorder: TurnRecorder,
    signal: AbortSignal,
  ): Promise<void> {
    const casefile = session.casefileId
      ? await this.casefileSummary(actor, session.casefileId)
      : undefined;
    const tools = this.toolCalls.offered();
    for (let round = 0; ; round++) {
      signal.throwIfAborted();
      const lastRound = round >= this.config.chat.maxToolRounds;
      const request: ModelRequest = {
        messages: turn.conversation,
        tools: lastRound ? [] : tools,
        signal,
      };
      if (casefile) request.casefile = casefile;
      const id = uuidv7(); // known to its deltas before it is stored (stored when complete)
      recorder.emit('message.created', {
        message: { id, session_id: session.id, turn_id: recorder.turnId, role: 'assistant' },
      });
      const reply = await this.model.reply(request, (text) =>
        // stored as an event (jsonb): a model's NUL or lone surrogate cannot be
        recorder.emit('message.delta', { message_id: id, text: toStorableText(text) }),
      );
      const calls = lastRound ? [] : reply.toolCalls;
      const assistant = await turn.store({
        id,
        role: 'assistant',
        content: reply.content,
        toolCalls: calls.length > 0 ? calls : null,
        toolCallId: null,
      });
      recorder.emit('message.completed', { message: assistant.dto });
      if (calls.length === 0) return;
      turn.conversation.push(toModelMessage(assistant.row));
      turn.open = { calls, answers: new Map(), stored: 0 };
      await this.toolCalls.run(actor, session, turn.open, {
        signal,
        recorder,
        toolRequests: turn.toolRequests,
      });
      await turn.storeAnswers();
    }
  }

  /**
   * Closes what a turn that died between a tool call and its result left open (a crashed
   * instance could not): each unanswered call of the session's last assistant message gets a
   * failed `tool` message, before the next user message. The session's lease runs one turn at a
   * time, so these can only be the previous turn's; they are stored as its messages.
   */
  private async closeInterrupted(sessionId: string): Promise<void> {
    const unanswered = await this.messages.unansweredCalls(sessionId);
    if (!unanswered) return;
    const content = unansweredOutcome(new ChatTurnInterruptedError());
    for (const toolCallId of unanswered.callIds) {
      await this.messages.insert({
        sessionId,
        turnId: unanswered.turnId,
        role: 'tool',
        content,
        toolCalls: null,
        toolCallId,
      });
    }
  }

  private async casefileSummary(actor: Actor, casefileId: string) {
    const casefile = await this.casefiles.get(actor, casefileId);
    return { title: casefile.title, counts: { ...casefile.counts } };
  }
}
