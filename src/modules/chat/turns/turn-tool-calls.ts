import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config';
import type { Actor } from '../../../core/hub/actor';
import type { ModelToolCall } from '../providers/chat-model';
import { toolOutcome } from './conversation';
import type { TurnRecorder } from './turn-recorder';
import { findHostileInput, MAX_JSON_DEPTH } from '../../../core/http/hostile-input';
import { refusedBeforeRunning, type ToolDto, ToolSessionsService } from '../../tool-sessions';
import { type Session } from '../../sessions';

/**
 * The tool calls of the assistant message just stored: what each answered so far (by call id),
 * and how many of their `tool` messages are stored (those follow the model's order).
 */
export interface OpenCalls {
  calls: ModelToolCall[];
  answers: Map<string, string>;
  stored: number;
}

/** What a round shares with its turn: the deadline, the events, the tool requests it made. */
interface RoundContext {
  signal: AbortSignal;
  recorder: TurnRecorder;
  toolRequests: string[];
}

/** The tool calls of chat turns, through the tool-session module's own tool path. */
@Injectable()
export class TurnToolCalls {
  constructor(
    private readonly tools: ToolSessionsService,
    private readonly config: AppConfig,
  ) {}

  /** The registry, as models are offered it. */
  offered(): ToolDto[] {
    return this.tools.listTools().items;
  }

  /**
   * A round's tool calls, at most CHAT_TOOL_CALL_CONCURRENCY at once, started in the model's order
   * (one injected email once asked for 24 in one round). Once one fails — a refusal is an answer,
   * not a failure — or the deadline passes, no more start; those running end (within
   * TOOL_TIMEOUT_MS) and keep their answers. Throws that failure, or the deadline when a call was
   * left unstarted.
   */
  async run(
    actor: Actor,
    session: Session,
    open: OpenCalls,
    { signal, recorder, toolRequests }: RoundContext,
  ): Promise<void> {
    let next = 0;
    const failures: unknown[] = [];
    const lane = async () => {
      while (next < open.calls.length && failures.length === 0 && !signal.aborted) {
        const call = open.calls[next++];
        try {
          recorder.emit('tool.call', {
            tool_call_id: call.id,
            name: call.name,
            arguments: call.arguments,
          });
          const outcome = await this.runOne(actor, session, call);
          recorder.emit('tool.result', {
            tool_call_id: call.id,
            name: call.name,
            ...outcome.event,
          });
          if (outcome.requestId) toolRequests.push(outcome.requestId);
          open.answers.set(call.id, outcome.content);
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const lanes = Math.min(this.config.chat.toolCallConcurrency, open.calls.length);
    await Promise.all(Array.from({ length: lanes }, lane));
    if (failures.length > 0) throw failures[0];
    if (next < open.calls.length) signal.throwIfAborted();
  }

  /**
   * A tool call through the tool path; what the model gets back is a `tool` message. A tool that
   * does not exist, arguments that are not JSON or do not match the schema, a tool path with no
   * room or no worker for it are answered to the model as errors, like a tool that failed — never
   * a failed turn.
   */
  private async runOne(
    actor: Actor,
    session: Session,
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
    // the model's arguments never passed the input edge: the same check, here
    const hostile = findHostileInput(parameters, MAX_JSON_DEPTH, 'parameters');
    if (hostile) {
      return refused({
        code: 'VAL_TOOL_PARAMETERS',
        message: 'The arguments hold what no tool takes',
        details: { fields: [hostile] },
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
      // the tool path's refusals are answers to the model, not failed turns: besides the call's
      // own faults, a full tool queue or the user's runs in flight (the model may try again or
      // answer without it); a worker that dies is the tool request's recorded failure
      if (!refusedBeforeRunning(error)) throw error;
      const { code, message, details } = error;
      return refused({ code, message, ...(details && { details }) });
    }
  }
}
