import { Injectable } from '@nestjs/common';
import { WorkspaceService } from '../workspace.service';
import { GoogleApiClient, GoogleApiError } from './google-api.client';
import { googlePath, isGmailMessageId } from './google-ids';
import type { PulledPage, PullState } from './google-pull';

/** Gmail lists ids only; each message is then fetched (format=full), ten at a time per host. */
const GMAIL_PAGE = 100;
/** History records per page (Gmail's most). */
const HISTORY_PAGE = 500;
/** Message ids one history page may name: more is not Gmail as we know it. */
const MAX_CHANGED_IDS = 2 * HISTORY_PAGE;
/** Pages of a query's recent matches read to filter one history page's additions. */
const MAX_MATCH_PAGES = 20;
/** A query's additions are confirmed among its matches since the last run, less this margin. */
const MATCH_WINDOW_MARGIN_SECONDS = 86_400;

/**
 * Where a Gmail job stands. `full`: listing `messages` (a one-shot job, a source's first run, or
 * one whose history expired), with the mailbox's `historyId` from before the listing began
 * (`baseline`, a source's next start). `history`: reading `users.history` from `start`.
 */
type GmailCursor =
  | { mode?: 'full'; pageToken?: string; baseline?: string }
  | { mode: 'history'; start: string; pageToken?: string };

interface HistoryMessage {
  message?: { id?: unknown };
}
interface HistoryList {
  history?: {
    messagesAdded?: HistoryMessage[];
    messagesDeleted?: HistoryMessage[];
    labelsAdded?: HistoryMessage[];
    labelsRemoved?: HistoryMessage[];
  }[];
  nextPageToken?: string;
  historyId?: string;
}

/** Not Google as we know it (a broken proxy, a wrong GOOGLE_API_BASE_URL): fail, do not guess. */
const unexpected = (what: string) =>
  new GoogleApiError(`Gmail sent ${what}; the page was refused`, undefined, false);

function messageIds(ids: unknown[]): string[] {
  if (!ids.every((id) => typeof id === 'string' && isGmailMessageId(id))) {
    throw unexpected('a message id that is not a Gmail message id');
  }
  return ids as string[];
}

/**
 * The net change a history page makes to each message it names, in the page's order: fetched
 * again (added, labels changed) or removed (deleted, last).
 */
function changesOf(page: HistoryList): Map<string, 'fetch' | 'remove'> {
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

/**
 * Gmail pages (API.md §7.1). A one-shot job lists the messages its query matches. A source's run
 * is incremental: its first lists everything (and keeps the mailbox's `historyId` from before),
 * later ones read `users.history` from the kept id and fetch only the messages added or
 * relabelled, and take out the deleted ones; an expired history id (404) falls back to a full
 * listing.
 */
@Injectable()
export class GmailPull {
  constructor(
    private readonly google: GoogleApiClient,
    private readonly workspace: WorkspaceService,
  ) {}

  async next(state: PullState, token: string, signal: AbortSignal): Promise<PulledPage> {
    const cursor = state.cursor as GmailCursor | null;
    const start = state.sourceState?.history_id;
    if (cursor?.mode === 'history') return this.historyPage(state, cursor, token, signal);
    if (cursor === null && start !== undefined) {
      return this.historyPage(state, { mode: 'history', start }, token, signal);
    }
    return this.listPage(state, cursor ?? {}, token, signal);
  }

  private async listPage(
    state: PullState,
    cursor: Extract<GmailCursor, { mode?: 'full' }>,
    token: string,
    signal: AbortSignal,
  ): Promise<PulledPage> {
    // a source's full sync: later runs start from the mailbox's history as it was before this one
    const baseline =
      cursor.baseline ??
      (state.sourceState === null ? undefined : await this.historyId(token, signal));
    const wanted = Math.min(GMAIL_PAGE, state.params.max_items - state.fetched);
    const list = await this.google.get<{ messages?: { id: string }[]; nextPageToken?: string }>(
      'gmail',
      googlePath`gmail/v1/users/me/messages`,
      { q: state.params.query, maxResults: wanted, pageToken: cursor.pageToken },
      token,
      { signal },
    );
    const ids = messageIds((list?.messages ?? []).slice(0, wanted).map((message) => message.id));
    const { found } = await this.fetch(ids, token, signal);
    const pageToken = list?.nextPageToken;
    const done =
      !pageToken || ids.length === 0 || state.fetched + ids.length >= state.params.max_items;
    return {
      fetched: found.length,
      cursor: done ? null : ({ mode: 'full', pageToken, baseline } satisfies GmailCursor),
      sourceState: done && baseline !== undefined ? { history_id: baseline } : undefined,
      store: () => this.workspace.importGmailMessages(state.casefileId, found),
    };
  }

  private async historyPage(
    state: PullState,
    cursor: Extract<GmailCursor, { mode: 'history' }>,
    token: string,
    signal: AbortSignal,
  ): Promise<PulledPage> {
    const page = await this.google.get<HistoryList>(
      'gmail',
      googlePath`gmail/v1/users/me/history`,
      { startHistoryId: cursor.start, maxResults: HISTORY_PAGE, pageToken: cursor.pageToken },
      token,
      { signal, notFound: 'undefined' },
    );
    if (page === undefined) {
      // the history id is too old (Gmail keeps about a week): list everything again
      return { fetched: 0, cursor: { mode: 'full' }, store: () => this.workspace.noChanges() };
    }
    const changes = changesOf(page);
    const wanted = [...changes].flatMap(([id, change]) => (change === 'fetch' ? [id] : []));
    const matching = await this.matching(state, wanted, token, signal);
    const { found: fetched, gone } = await this.fetch(matching, token, signal);
    // deleted, and added or relabelled then gone before they could be fetched
    const removed = [...changes].flatMap(([id, change]) => (change === 'remove' ? [id] : []));
    removed.push(...gone);
    const done = !page.nextPageToken;
    const historyId = page.historyId;
    if (done && (typeof historyId !== 'string' || !/^[0-9]{1,32}$/.test(historyId))) {
      throw unexpected('a history list without its historyId');
    }
    return {
      fetched: fetched.length,
      cursor: done ? null : { ...cursor, pageToken: page.nextPageToken },
      sourceState: done ? { history_id: historyId } : undefined,
      store: async () => {
        const counts = await this.workspace.importGmailMessages(state.casefileId, fetched);
        const gone = await this.workspace.removeGmailMessages(
          state.casefileId,
          removed,
          state.jobId,
        );
        return { ...counts, removed: gone };
      },
    };
  }

  /** The messages, format=full; those deleted since they were named (404) are `gone`. */
  private async fetch(
    ids: string[],
    token: string,
    signal: AbortSignal,
  ): Promise<{ found: unknown[]; gone: string[] }> {
    const messages = await Promise.all(
      ids.map((id) =>
        this.google.get<unknown>(
          'gmail',
          googlePath`gmail/v1/users/me/messages/${id}`,
          { format: 'full' },
          token,
          { signal, notFound: 'undefined' },
        ),
      ),
    );
    return {
      found: messages.filter((message) => message !== undefined),
      gone: ids.filter((_, index) => messages[index] === undefined),
    };
  }

  /**
   * Of the ids a history page names, those the source's query takes: all without a query; with
   * one, those it matches among the mailbox's messages since the last run (one list call per 500),
   * and those the casefile holds already (relabelled).
   */
  private async matching(
    state: PullState,
    ids: string[],
    token: string,
    signal: AbortSignal,
  ): Promise<string[]> {
    const query = state.params.query;
    if (ids.length === 0 || query === undefined) return ids;
    const held = await this.workspace.heldGmailMessages(state.casefileId, ids);
    const since = Date.parse(state.sourceState?.synced_at ?? '') / 1000;
    const after = Number.isFinite(since)
      ? ` after:${Math.floor(since) - MATCH_WINDOW_MARGIN_SECONDS}`
      : '';
    const matches = new Set<string>();
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_MATCH_PAGES; page++) {
      const list = await this.google.get<{ messages?: { id: string }[]; nextPageToken?: string }>(
        'gmail',
        googlePath`gmail/v1/users/me/messages`,
        { q: `(${query})${after}`, maxResults: 500, pageToken },
        token,
        { signal },
      );
      for (const id of messageIds((list?.messages ?? []).map((m) => m.id))) matches.add(id);
      pageToken = list?.nextPageToken;
      if (!pageToken) break;
    }
    return ids.filter((id) => matches.has(id) || held.has(id));
  }

  /** The mailbox's current history id (users.getProfile). */
  private async historyId(token: string, signal: AbortSignal): Promise<string> {
    const profile = await this.google.get<{ historyId?: unknown }>(
      'gmail',
      googlePath`gmail/v1/users/me/profile`,
      {},
      token,
      { signal },
    );
    const id = profile?.historyId;
    if (typeof id !== 'string' || !/^[0-9]{1,32}$/.test(id)) {
      throw unexpected('a profile without a historyId');
    }
    return id;
  }
}
