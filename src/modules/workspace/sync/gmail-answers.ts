import { GoogleApiError } from './google-api.client';
import { isGmailMessageId } from './google-ids';

/**
 * What a Gmail job keeps between pages and what it reads of Gmail's answers (history pages,
 * message lists), checked: an answer that is not Gmail's as documented fails the page rather than
 * being guessed at.
 */

/** Message ids one history page may name: more is not Gmail as we know it. */
const MAX_CHANGED_IDS = 500;

/**
 * Where a Gmail job stands. `full`: listing `messages` (a one-shot job, a source's first run, or
 * one whose history expired), with the mailbox's `historyId` from before the listing began
 * (`baseline`, a source's next start) and how many ids it listed. `history`: reading
 * `users.history` from `start`, with `next` — the first page's `historyId`, the next run's start.
 * `matches`: after the history, a source with a query lists its matches and fetches those the
 * casefile lacks.
 */
export type FullCursor = { mode?: 'full'; pageToken?: string; baseline?: string; listed?: number };
export type HistoryCursor = {
  mode: 'history';
  start: string;
  pageToken?: string;
  next?: string;
  pages?: number;
  /** Ids the last history page named that are still to be fetched, FETCH_CHUNK at a time. */
  pending?: string[];
};
export type MatchesCursor = {
  mode: 'matches';
  next: string;
  pageToken?: string;
  listed?: number;
  /** Ids of the page being listed again that were fetched already (stored, skipped or gone). */
  tried?: string[];
};
export type GmailCursor = FullCursor | HistoryCursor | MatchesCursor;

interface HistoryMessage {
  message?: { id?: unknown };
}
export interface HistoryList {
  history?: {
    messagesAdded?: HistoryMessage[];
    messagesDeleted?: HistoryMessage[];
    labelsAdded?: HistoryMessage[];
    labelsRemoved?: HistoryMessage[];
  }[];
  nextPageToken?: string;
  historyId?: unknown;
}
export interface MessageList {
  messages?: { id?: unknown }[];
  nextPageToken?: string;
}

/** Not Google as we know it (a broken proxy, a wrong GOOGLE_API_BASE_URL): fail, do not guess. */
export const unexpected = (what: string) =>
  new GoogleApiError(`Gmail sent ${what}; the page was refused`, undefined, false);

export function messageIds(ids: unknown[]): string[] {
  if (!ids.every((id) => typeof id === 'string' && isGmailMessageId(id))) {
    throw unexpected('a message id that is not a Gmail message id');
  }
  return ids as string[];
}

export function historyIdOf(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9]{1,32}$/.test(value)) {
    throw unexpected('an answer without its historyId');
  }
  return value;
}

/**
 * The net change a history page makes to each message it names, in the page's order: fetched
 * again (added, labels changed) or removed (deleted, last).
 */
export function changesOf(page: HistoryList): Map<string, 'fetch' | 'remove'> {
  const changes = new Map<string, 'fetch' | 'remove'>();
  const ids = (entries: HistoryMessage[] | undefined) =>
    messageIds((entries ?? []).map((entry) => entry.message?.id));
  for (const record of page.history ?? []) {
    for (const id of ids(record.messagesAdded)) changes.set(id, 'fetch');
    for (const id of ids([...(record.labelsAdded ?? []), ...(record.labelsRemoved ?? [])])) {
      if (changes.get(id) !== 'remove') changes.set(id, 'fetch');
    }
    for (const id of ids(record.messagesDeleted)) changes.set(id, 'remove');
    if (changes.size > MAX_CHANGED_IDS) throw unexpected('more changes on a page than it holds');
  }
  return changes;
}
