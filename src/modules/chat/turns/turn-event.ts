import type { SseEvent } from '../../../core/http/event-stream';

/** The events of a turn (API.md §6), in the order a turn emits them. */
export type TurnEventName =
  | 'message.created'
  | 'message.delta'
  | 'message.completed'
  | 'tool.call'
  | 'tool.result'
  | 'error'
  | 'done';

/** One event of a turn: `seq` counts from 1 within the turn and is the SSE `id:`. */
export interface TurnEvent {
  seq: number;
  event: TurnEventName;
  /** What the client receives as the event's JSON data; it always carries `turn_id`. */
  data: Record<string, unknown>;
}

export const toSseEvent = ({ seq, event, data }: TurnEvent): SseEvent => ({
  event,
  data,
  id: String(seq),
});

/** Every turn ends with `done`, after its last message or after its `error`. */
export const isLast = (event: TurnEvent): boolean => event.event === 'done';
