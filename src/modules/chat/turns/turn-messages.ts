import type { DomainError } from '../../../platform/errors/domain-error';
import type { ChatMessagesRepository, NewChatMessage } from '../chat-messages.repository';
import { ChatTurnInterruptedError } from '../chat.errors';
import { type ChatMessageDto, toChatMessageDto } from '../dto/chat.dto';
import type { ModelMessage } from '../providers/chat-model';
import { toModelMessage, unansweredOutcome } from './conversation';
import type { TurnRecorder } from './turn-recorder';
import type { OpenCalls } from './turn-tool-calls';

/**
 * One turn's messages as it goes: each stored as soon as it exists (so a turn that fails half-way
 * is kept as far as it got), answered in its order, and kept as the model's conversation.
 */
export class TurnMessages {
  /** What the turn stored, in order: its answer. */
  readonly stored: ChatMessageDto[] = [];
  /** What the model is shown: the system prompt, the history, then this turn's messages. */
  readonly conversation: ModelMessage[] = [];
  /** The tool requests the turn's calls made (their ids). */
  readonly toolRequests: string[] = [];
  /** The calls of the last assistant message, until their `tool` messages are stored. */
  open: OpenCalls | undefined;

  constructor(
    private readonly messages: ChatMessagesRepository,
    private readonly sessionId: string,
    private readonly recorder: TurnRecorder,
  ) {}

  async store(message: Omit<NewChatMessage, 'sessionId' | 'turnId'>) {
    const row = await this.messages.insert({
      ...message,
      sessionId: this.sessionId,
      turnId: this.recorder.turnId,
    });
    const dto = toChatMessageDto(row);
    this.stored.push(dto);
    return { row, dto };
  }

  /** The open calls' `tool` messages in the model's order; unanswered ones fail with `failure`. */
  async storeAnswers(failure?: DomainError): Promise<void> {
    const calls = this.open;
    if (!calls) return;
    for (; calls.stored < calls.calls.length; calls.stored++) {
      const call = calls.calls[calls.stored];
      const answer = calls.answers.get(call.id);
      const answered = await this.store({
        role: 'tool',
        content: answer ?? unansweredOutcome(failure ?? new ChatTurnInterruptedError()),
        toolCalls: null,
        toolCallId: call.id,
      });
      this.recorder.emit('message.created', { message: answered.dto });
      this.conversation.push(toModelMessage(answered.row));
    }
    this.open = undefined;
  }
}
