import { Injectable } from '@nestjs/common';
import { WorkspaceService } from '../workspace.service';
import { GoogleApiClient, GoogleApiError } from './google-api.client';
import { googlePath } from './google-ids';
import type { PulledPage, PullState } from './google-pull';
import {
  changesOf,
  type FullCursor,
  type GmailCursor,
  type HistoryCursor,
  historyIdOf,
  type HistoryList,
  type MatchesCursor,
  messageIds,
  type MessageList,
  unexpected,
} from './gmail-answers';

/** Gmail lists ids only; each message is then fetched (format=full), ten at a time per host. */
const LIST_PAGE = 100;
/** A query's matches are listed this many ids a call (Gmail's most). */
const MATCHES_PAGE = 500;
/** Messages fetched for one page at most. */
const FETCH_CHUNK = 50;
/** A message larger than this (format=full) is skipped: a page holds FETCH_CHUNK of them. */
const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;
/** History records per page. */
const HISTORY_PAGE = 100;
/** History pages one run reads at most: a history that does not end is not Gmail's. */
const MAX_HISTORY_PAGES = 2_000;
/** What the full listing leaves out (messages.list, includeSpamTrash=false): not in the casefile. */
const LEFT_OUT_LABELS = ['SPAM', 'TRASH'];

/** What fetching a set of messages found: those to store, and those to take out. */
interface Fetched {
  found: unknown[];
  gone: string[];
  skipped: number;
}

const TOO_LARGE: unique symbol = Symbol('too large');

/**
 * Gmail pages (API.md §7.1). A one-shot job lists the messages its query matches. A source's run
 * is incremental: its first lists everything (and keeps the mailbox's `historyId` from before),
 * later ones read `users.history` from the kept id — fetching what was added or relabelled,
 * taking out what was deleted or moved to spam or trash — and, for a source with a query, then
 * list the query's ids and fetch only those the casefile lacks (Gmail's search cannot be asked
 * about single messages). An expired history id (404) falls back to a full listing.
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
    if (cursor?.mode === 'matches') return this.matchesPage(state, cursor, token, signal);
    if (cursor === null && start !== undefined) {
      return this.historyPage(state, { mode: 'history', start }, token, signal);
    }
    return this.listPage(state, cursor ?? {}, token, signal);
  }

  private async listPage(
    state: PullState,
    cursor: FullCursor,
    token: string,
    signal: AbortSignal,
  ): Promise<PulledPage> {
    // a source's full sync: later runs start from the mailbox's history as it was before this one
    const baseline =
      cursor.baseline ??
      (state.sourceState === null ? undefined : await this.historyId(token, signal));
    const listedBefore = cursor.listed ?? 0;
    const wanted = Math.min(LIST_PAGE, state.params.max_items - listedBefore);
    const list = await this.list(state.params.query, wanted, cursor.pageToken, token, signal);
    const ids = list.ids.slice(0, wanted);
    const { found, gone, skipped } = await this.fetch(state, ids, token, signal);
    const listed = listedBefore + ids.length;
    const done = !list.nextPageToken || ids.length === 0 || listed >= state.params.max_items;
    return {
      fetched: found.length,
      cursor: done
        ? null
        : ({ mode: 'full', pageToken: list.nextPageToken, baseline, listed } satisfies FullCursor),
      sourceState: done && baseline !== undefined ? { history_id: baseline } : undefined,
      store: () => this.store(state, found, gone, skipped),
    };
  }

  private async historyPage(
    state: PullState,
    cursor: HistoryCursor,
    token: string,
    signal: AbortSignal,
  ): Promise<PulledPage> {
    if (cursor.pending?.length) {
      // the rest of the last history page's messages, a chunk at a time
      const { found, gone, skipped } = await this.fetch(
        state,
        cursor.pending.slice(0, FETCH_CHUNK),
        token,
        signal,
      );
      const pending = cursor.pending.slice(FETCH_CHUNK);
      return this.afterHistory(state, { ...cursor, pending }, found, gone, skipped);
    }
    const pages = (cursor.pages ?? 0) + 1;
    if (pages > MAX_HISTORY_PAGES) {
      // a history this long is cheaper listed again than read
      return { fetched: 0, cursor: { mode: 'full' }, store: () => this.workspace.noChanges() };
    }
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
    // the next run starts where the mailbox stood at the first page: what changes while the pages
    // are read is read again then, never skipped
    const next = cursor.next ?? historyIdOf(page.historyId);
    const changes = changesOf(page);
    const removed = [...changes].flatMap(([id, change]) => (change === 'remove' ? [id] : []));
    let wanted = [...changes].flatMap(([id, change]) => (change === 'fetch' ? [id] : []));
    if (state.params.query !== undefined && wanted.length > 0) {
      // the query's new matches come after the history; here only what the casefile holds
      const held = await this.workspace.heldGmailMessages(state.casefileId, wanted);
      wanted = wanted.filter((id) => held.has(id));
    }
    const { found, gone, skipped } = await this.fetch(
      state,
      wanted.slice(0, FETCH_CHUNK),
      token,
      signal,
    );
    const after: HistoryCursor = {
      ...cursor,
      pageToken: page.nextPageToken,
      next,
      pages,
      pending: wanted.slice(FETCH_CHUNK),
    };
    return this.afterHistory(state, after, found, [...removed, ...gone], skipped);
  }

  /** A history step's page: on to the pending ids, the next page, the matches, or the end. */
  private afterHistory(
    state: PullState,
    cursor: HistoryCursor,
    found: unknown[],
    gone: string[],
    skipped: number,
  ): PulledPage {
    const next = cursor.next as string;
    const after: GmailCursor | null =
      cursor.pending?.length || cursor.pageToken
        ? cursor
        : state.params.query !== undefined
          ? { mode: 'matches', next }
          : null;
    return {
      fetched: found.length,
      cursor: after,
      sourceState: after === null ? { history_id: next } : undefined,
      store: () => this.store(state, found, gone, skipped),
    };
  }

  /**
   * A page of the query's matches: those the casefile lacks are fetched, up to FETCH_CHUNK; the
   * same page is listed again while it has more, leaving out the ids tried on it already (so
   * messages the import refuses, never stored, are not fetched again and again).
   */
  private async matchesPage(
    state: PullState,
    cursor: MatchesCursor,
    token: string,
    signal: AbortSignal,
  ): Promise<PulledPage> {
    const list = await this.list(state.params.query, MATCHES_PAGE, cursor.pageToken, token, signal);
    const held = await this.workspace.heldGmailMessages(state.casefileId, list.ids);
    const tried = new Set(cursor.tried ?? []);
    const lacking = list.ids.filter((id) => !held.has(id) && !tried.has(id));
    const chunk = lacking.slice(0, FETCH_CHUNK);
    const { found, gone, skipped } = await this.fetch(state, chunk, token, signal);
    const listed = (cursor.listed ?? 0) + list.ids.length;
    const samePage = lacking.length > FETCH_CHUNK;
    const done =
      !samePage &&
      (!list.nextPageToken || list.ids.length === 0 || listed >= state.params.max_items);
    const after: MatchesCursor = samePage
      ? { ...cursor, tried: [...tried, ...chunk] }
      : { mode: 'matches', next: cursor.next, pageToken: list.nextPageToken, listed };
    return {
      fetched: found.length,
      cursor: done ? null : after,
      sourceState: done ? { history_id: cursor.next } : undefined,
      store: () => this.store(state, found, gone, skipped),
    };
  }

  /** Stores a page: the messages found, and those gone from the mailbox taken out. */
  private async store(state: PullState, found: unknown[], gone: string[], tooLarge: number) {
    const counts = await this.workspace.importGmailMessages(state.casefileId, found, {
      skipRefused: true,
    });
    const removed = await this.workspace.removeGmailMessages(state.casefileId, gone, state.jobId);
    return { ...counts, removed, skipped: counts.skipped + tooLarge };
  }

  /** A page of the ids `query` matches (all messages without one). */
  private async list(
    query: string | undefined,
    size: number,
    pageToken: string | undefined,
    token: string,
    signal: AbortSignal,
  ): Promise<{ ids: string[]; nextPageToken?: string }> {
    const list = await this.google.get<MessageList>(
      'gmail',
      googlePath`gmail/v1/users/me/messages`,
      { q: query, maxResults: size, pageToken },
      token,
      { signal },
    );
    const ids = messageIds((list?.messages ?? []).map((message) => message.id));
    if (ids.length > size) throw unexpected('more ids than were asked for');
    return { ids, nextPageToken: list?.nextPageToken };
  }

  /**
   * The messages, format=full. Those deleted since they were named (404), or for a source's run
   * in spam or trash (which its full listing leaves out too), are `gone`; one larger than
   * MAX_MESSAGE_BYTES is `skipped`.
   */
  private async fetch(
    state: PullState,
    ids: string[],
    token: string,
    signal: AbortSignal,
  ): Promise<Fetched> {
    // a one-shot job takes what its query lists, spam and trash too when it asks for them
    const leftOut = state.sourceState === null ? [] : LEFT_OUT_LABELS;
    const messages = await Promise.all(
      ids.map((id) =>
        this.google
          .get<{ id?: unknown; labelIds?: unknown }>(
            'gmail',
            googlePath`gmail/v1/users/me/messages/${id}`,
            { format: 'full' },
            token,
            { signal, notFound: 'undefined', maxBytes: MAX_MESSAGE_BYTES },
          )
          .catch((error: unknown): typeof TOO_LARGE => {
            if (error instanceof GoogleApiError && error.tooLarge) return TOO_LARGE;
            throw error;
          }),
      ),
    );
    const found: unknown[] = [];
    const gone: string[] = [];
    let skipped = 0;
    messages.forEach((message, index) => {
      if (message === TOO_LARGE) {
        skipped++;
        return;
      }
      const labels = Array.isArray(message?.labelIds) ? (message.labelIds as unknown[]) : [];
      if (message === undefined || labels.some((label) => leftOut.includes(label as string))) {
        gone.push(ids[index]);
      } else if (message.id !== ids[index]) {
        throw unexpected('a message other than the one asked for');
      } else {
        found.push(message);
      }
    });
    return { found, gone, skipped };
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
    return historyIdOf(profile?.historyId);
  }
}
