import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config';
import { toStorableText } from '../../../core/http/hostile-input';
import { WorkspaceService } from '../workspace.service';
import { GoogleApiClient, GoogleApiError } from './google-api.client';
import { googlePath } from './google-ids';
import type { PulledPage, PullState } from './google-pull';

/** Drive's ids: letters, digits, `-` and `_`. */
const DRIVE_FILE_ID = /^[A-Za-z0-9_-]{1,256}$/;
const FILE_FIELDS =
  'id,name,mimeType,description,modifiedTime,size,webViewLink,trashed,' +
  'owners(displayName,emailAddress)';
const LIST_FIELDS = `nextPageToken,files(${FILE_FIELDS})`;
const CHANGES_FIELDS = `nextPageToken,newStartPageToken,changes(fileId,removed,file(${FILE_FIELDS}))`;
const MAX_PAGE = 100;
/** Text one page may hold at most: a page takes as many files as this budget has room for. */
const PAGE_TEXT_BUDGET_BYTES = 32 * 1024 * 1024;
/** Pages of a query's matches read to filter one page of changes. */
const MAX_MATCH_PAGES = 100;
/** Empty pages in a row a listing takes (Drive may send some before its end), changes pages a run reads. */
const MAX_EMPTY_PAGES = 100;
const MAX_CHANGES_PAGES = 10_000;

/** What a document's text comes from: an export to text/plain, or the file itself. */
const EXPORTED = new Set([
  'application/vnd.google-apps.document',
  'application/vnd.google-apps.presentation',
]);
const DOWNLOADED = new Set(['text/plain', 'text/markdown', 'text/csv']);

/**
 * Where a Drive job stands. `full`: listing `files` (a one-shot job, a source's first run), with
 * the changes start token taken before the listing began (`baseline`, a source's next start).
 * `changes`: reading `changes.list` from `pageToken`.
 */
type FullCursor = { mode?: 'full'; pageToken?: string; baseline?: string; empty?: number };
type ChangesCursor = { mode: 'changes'; pageToken: string; pages?: number };
type DriveCursor = FullCursor | ChangesCursor;

interface DriveFile {
  id: string;
  mimeType?: string;
  modifiedTime?: string;
  trashed?: boolean;
  content_text?: string;
}
interface ChangeList {
  changes?: { fileId?: unknown; removed?: unknown; file?: DriveFile }[];
  nextPageToken?: string;
  newStartPageToken?: string;
}

/** Not Google as we know it (a broken proxy, a wrong GOOGLE_API_BASE_URL): fail, do not guess. */
const unexpected = (what: string) =>
  new GoogleApiError(`Drive sent ${what}; the page was refused`, undefined, false);

const isToken = (token: unknown): token is string =>
  typeof token === 'string' && token.length > 0 && token.length <= 1024;

/**
 * Drive pages (API.md §7.1). A one-shot job lists the files its query matches. A source's run is
 * incremental: its first lists everything (and keeps the changes start token from before), later
 * ones read `changes.list` from the kept token: changed files are upserted (a query's only when
 * it matches them or the casefile holds them), removed or trashed ones leave the casefile. A Google Doc or Slides deck is
 * exported as text/plain and a plain-text file downloaded, up to DRIVE_TEXT_MAX_BYTES, when it is
 * new or changed; that text feeds search and the tools like an import's `content_text`.
 */
@Injectable()
export class DrivePull {
  private readonly pageSize: number;

  constructor(
    private readonly google: GoogleApiClient,
    private readonly workspace: WorkspaceService,
    private readonly config: AppConfig,
  ) {
    const textBytes = config.sync.driveTextMaxBytes;
    this.pageSize =
      textBytes === 0
        ? MAX_PAGE
        : Math.max(1, Math.min(MAX_PAGE, Math.floor(PAGE_TEXT_BUDGET_BYTES / textBytes)));
  }

  next(state: PullState, token: string, signal: AbortSignal): Promise<PulledPage> {
    const cursor = state.cursor as DriveCursor | null;
    const start = state.sourceState?.page_token;
    if (cursor?.mode === 'changes') return this.changesPage(state, cursor, token, signal);
    if (cursor === null && start !== undefined) {
      return this.changesPage(state, { mode: 'changes', pageToken: start }, token, signal);
    }
    return this.listPage(state, cursor ?? {}, token, signal);
  }

  private async listPage(
    state: PullState,
    cursor: FullCursor,
    token: string,
    signal: AbortSignal,
  ): Promise<PulledPage> {
    const source = state.sourceState !== null;
    const baseline = cursor.baseline ?? (source ? await this.startToken(token, signal) : undefined);
    const wanted = Math.min(this.pageSize, state.params.max_items - state.fetched);
    const query = state.params.query;
    // a source keeps what is in the Drive, not its trash
    const q = source ? (query ? `(${query}) and trashed = false` : 'trashed = false') : query;
    const page = await this.google.get<{ files?: DriveFile[]; nextPageToken?: string }>(
      'drive',
      googlePath`drive/v3/files`,
      { q, pageSize: wanted, pageToken: cursor.pageToken, fields: LIST_FIELDS },
      token,
      { signal },
    );
    const listed = (page?.files ?? []).slice(0, wanted);
    // a source keeps what is in the Drive: a trashed file its query let through stays out
    const kept = source ? listed.filter((file) => file.trashed !== true) : listed;
    const files = await this.withText(state, kept, token, signal);
    const pageToken = page?.nextPageToken;
    // Drive may answer empty pages before the end of a list: only its token says it ended
    const empty = listed.length === 0 ? (cursor.empty ?? 0) + 1 : 0;
    if (empty > MAX_EMPTY_PAGES) throw unexpected(`over ${MAX_EMPTY_PAGES} empty pages in a row`);
    const done = !pageToken || state.fetched + files.length >= state.params.max_items;
    return {
      fetched: files.length,
      cursor: done ? null : ({ mode: 'full', pageToken, baseline, empty } satisfies FullCursor),
      sourceState: done && baseline !== undefined ? { page_token: baseline } : undefined,
      store: () =>
        this.workspace.importDriveFiles(state.casefileId, files, {
          keepText: true,
          skipRefused: true,
        }),
    };
  }

  private async changesPage(
    state: PullState,
    cursor: ChangesCursor,
    token: string,
    signal: AbortSignal,
  ): Promise<PulledPage> {
    const page = await this.google.get<ChangeList>(
      'drive',
      googlePath`drive/v3/changes`,
      {
        pageToken: cursor.pageToken,
        pageSize: this.pageSize,
        fields: CHANGES_FIELDS,
        includeRemoved: 'true',
        spaces: 'drive',
      },
      token,
      { signal, notFound: 'undefined' },
    );
    if (page === undefined) {
      // a token Drive no longer honours: list everything again
      return { fetched: 0, cursor: { mode: 'full' }, store: () => this.workspace.noChanges() };
    }
    const changes = page.changes ?? [];
    if (changes.length > MAX_PAGE) throw unexpected('more changes than a page holds');
    const pages = (cursor.pages ?? 0) + 1;
    if (pages > MAX_CHANGES_PAGES) throw unexpected(`over ${MAX_CHANGES_PAGES} pages of changes`);
    const removed: string[] = [];
    const changed = new Map<string, DriveFile>();
    for (const change of changes) {
      const id = change.fileId;
      if (typeof id !== 'string' || !DRIVE_FILE_ID.test(id)) throw unexpected('a bad file id');
      if (change.removed === true || change.file?.trashed === true || !change.file) {
        changed.delete(id);
        removed.push(id);
      } else {
        changed.set(id, { ...change.file, id });
      }
    }
    const { kept, left } = await this.matching(state, [...changed.values()], token, signal);
    removed.push(...left);
    const files = await this.withText(state, kept, token, signal);
    const next = page.nextPageToken;
    const newStart = page.newStartPageToken;
    if (next === undefined && !isToken(newStart)) {
      throw unexpected('a last page of changes without its newStartPageToken');
    }
    if (next !== undefined && (!isToken(next) || next === cursor.pageToken)) {
      throw unexpected('a bad page token');
    }
    return {
      fetched: files.length,
      cursor: next === undefined ? null : { mode: 'changes', pageToken: next, pages },
      sourceState: next === undefined ? { page_token: newStart } : undefined,
      store: async () => {
        const counts = await this.workspace.importDriveFiles(state.casefileId, files, {
          keepText: true,
          skipRefused: true,
        });
        const gone = await this.workspace.removeDriveFiles(state.casefileId, removed, state.jobId);
        return { ...counts, removed: gone };
      },
    };
  }

  /**
   * Of the changed files, those the source's query takes (`kept`) and those the casefile holds
   * that it no longer takes (`left`: moved out of a queried folder, say). Without a query, all
   * are kept. With one, they are looked up among its matches (ids only, 1 000 a call: Drive cannot
   * be asked whether one file matches — a file moved into a queried folder keeps its
   * modifiedTime, so no time window will do); past MAX_MATCH_PAGES of matches, a file not found
   * among them is neither taken nor taken out.
   */
  private async matching(
    state: PullState,
    files: DriveFile[],
    token: string,
    signal: AbortSignal,
  ): Promise<{ kept: DriveFile[]; left: string[] }> {
    const query = state.params.query;
    if (files.length === 0 || query === undefined) return { kept: files, left: [] };
    const unmatched = new Set(files.map((file) => file.id));
    let pageToken: string | undefined;
    let complete = false;
    for (let page = 0; page < MAX_MATCH_PAGES && unmatched.size > 0; page++) {
      const list = await this.google.get<{ files?: { id?: unknown }[]; nextPageToken?: string }>(
        'drive',
        googlePath`drive/v3/files`,
        {
          q: `(${query}) and trashed = false`,
          pageSize: 1000,
          pageToken,
          fields: 'nextPageToken,files(id)',
        },
        token,
        { signal },
      );
      for (const file of list?.files ?? []) {
        if (typeof file.id === 'string') unmatched.delete(file.id);
      }
      pageToken = list?.nextPageToken;
      if (!pageToken) {
        complete = true;
        break;
      }
    }
    if (unmatched.size === 0) return { kept: files, left: [] };
    const kept = files.filter((file) => !unmatched.has(file.id));
    if (!complete) return { kept, left: [] };
    const held = await this.workspace.heldDriveFiles(state.casefileId, [...unmatched]);
    return { kept, left: [...unmatched].filter((id) => held.has(id)) };
  }

  /**
   * The files, with the text of each document that is new or changed since the casefile stored
   * it (`content_text`); the others keep the text they have.
   */
  private async withText(
    state: PullState,
    files: DriveFile[],
    token: string,
    signal: AbortSignal,
  ): Promise<DriveFile[]> {
    const maxBytes = this.config.sync.driveTextMaxBytes;
    const documents = files.filter(
      (file) =>
        maxBytes > 0 &&
        typeof file.id === 'string' &&
        DRIVE_FILE_ID.test(file.id) &&
        (EXPORTED.has(file.mimeType ?? '') || DOWNLOADED.has(file.mimeType ?? '')),
    );
    if (documents.length === 0) return files;
    const held = await this.workspace.heldDriveFiles(
      state.casefileId,
      documents.map((file) => file.id),
    );
    // new, changed, or held without text (imported before, or its text could not be had)
    const stale = documents.filter((file) => {
      const kept = held.get(file.id);
      return (
        kept === undefined ||
        !kept.hasText ||
        kept.modifiedAt.getTime() !== Date.parse(file.modifiedTime ?? '')
      );
    });
    const texts = await Promise.all(
      stale.map((file) =>
        EXPORTED.has(file.mimeType ?? '')
          ? this.google.getText(
              'drive',
              googlePath`drive/v3/files/${file.id}/export`,
              { mimeType: 'text/plain' },
              token,
              { signal, maxBytes },
            )
          : this.google.getText(
              'drive',
              googlePath`drive/v3/files/${file.id}`,
              { alt: 'media' },
              token,
              { signal, maxBytes },
            ),
      ),
    );
    const text = new Map(stale.map((file, index) => [file.id, texts[index]]));
    return files.map((file) => {
      const content = text.get(file.id);
      // a NUL (UTF-16 text read as UTF-8) or a lone surrogate is not storable: U+FFFD
      return content === undefined ? file : { ...file, content_text: toStorableText(content) };
    });
  }

  /** Where Drive's changes start now (changes.getStartPageToken). */
  private async startToken(token: string, signal: AbortSignal): Promise<string> {
    const answer = await this.google.get<{ startPageToken?: unknown }>(
      'drive',
      googlePath`drive/v3/changes/startPageToken`,
      {},
      token,
      { signal },
    );
    if (!isToken(answer?.startPageToken)) throw unexpected('no startPageToken');
    return answer.startPageToken;
  }
}
