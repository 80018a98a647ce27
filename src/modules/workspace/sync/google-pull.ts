import { Injectable } from '@nestjs/common';
import type { ImportCountsDto } from '../import-counts';
import { WorkspaceService } from '../workspace.service';
import { GoogleApiClient, GoogleApiError } from './google-api.client';
import { googlePath, isGmailMessageId } from './google-ids';
import type { SyncParams, SyncSource } from './sync-job.entity';

/** One page pulled from Google: how many items, where the next page starts, and how to store it. */
export interface PulledPage {
  fetched: number;
  /** The resume point after this page; null when this was the last one. */
  cursor: unknown;
  store(casefileId: string): Promise<ImportCountsDto>;
}

/** Where a job stands: its source, what it was asked, how many it fetched, where it resumes. */
export interface PullState {
  source: SyncSource;
  params: SyncParams;
  fetched: number;
  cursor: unknown;
}

interface PageCursor {
  pageToken: string;
}
interface RangesCursor {
  ranges: string[];
  next: number;
}

/** Gmail lists ids only; each message is then fetched (format=full), ten at a time per host. */
const GMAIL_PAGE = 100;
const DRIVE_PAGE = 100;
const DRIVE_FIELDS =
  'nextPageToken,files(id,name,mimeType,description,modifiedTime,size,webViewLink,' +
  'owners(displayName,emailAddress))';

/**
 * Pages from the Google REST APIs (Gmail messages.list + messages.get, Drive files.list, Sheets
 * values.get), each stored through the same import path as the API's import routes.
 */
@Injectable()
export class GooglePull {
  constructor(
    private readonly google: GoogleApiClient,
    private readonly workspace: WorkspaceService,
  ) {}

  next(state: PullState, token: string, signal: AbortSignal): Promise<PulledPage> {
    switch (state.source) {
      case 'gmail':
        return this.gmailPage(state, token, signal);
      case 'drive':
        return this.drivePage(state, token, signal);
      case 'sheets':
        return this.sheetsPage(state, token, signal);
    }
  }

  private async gmailPage(state: PullState, token: string, signal: AbortSignal) {
    const wanted = Math.min(GMAIL_PAGE, state.params.max_items - state.fetched);
    const list = await this.google.get<{ messages?: { id: string }[]; nextPageToken?: string }>(
      'gmail',
      googlePath`gmail/v1/users/me/messages`,
      {
        q: state.params.query,
        maxResults: wanted,
        pageToken: (state.cursor as PageCursor | null)?.pageToken,
      },
      token,
      { signal },
    );
    const ids = (list?.messages ?? []).slice(0, wanted).map((message) => message.id);
    if (!ids.every((id) => typeof id === 'string' && isGmailMessageId(id))) {
      // not Google as we know it (a broken proxy, a wrong GOOGLE_API_BASE_URL): fail, do not guess
      throw new GoogleApiError(
        'Google listed a message id that is not a Gmail message id; the page was refused',
        undefined,
        false,
      );
    }
    const messages = await Promise.all(
      ids.map((id) =>
        this.google.get<unknown>(
          'gmail',
          googlePath`gmail/v1/users/me/messages/${id}`,
          { format: 'full' },
          token,
          { signal, notFound: 'undefined' }, // deleted since it was listed
        ),
      ),
    );
    const found = messages.filter((message) => message !== undefined);
    return {
      fetched: found.length,
      cursor: this.nextPage(state, ids.length, list?.nextPageToken),
      store: (casefileId: string) => this.workspace.importGmailMessages(casefileId, found),
    };
  }

  private async drivePage(state: PullState, token: string, signal: AbortSignal) {
    const wanted = Math.min(DRIVE_PAGE, state.params.max_items - state.fetched);
    const page = await this.google.get<{ files?: unknown[]; nextPageToken?: string }>(
      'drive',
      googlePath`drive/v3/files`,
      {
        q: state.params.query,
        pageSize: wanted,
        pageToken: (state.cursor as PageCursor | null)?.pageToken,
        fields: DRIVE_FIELDS,
      },
      token,
      { signal },
    );
    const files = (page?.files ?? []).slice(0, wanted);
    return {
      fetched: files.length,
      cursor: this.nextPage(state, files.length, page?.nextPageToken),
      store: (casefileId: string) => this.workspace.importDriveFiles(casefileId, files),
    };
  }

  /** One range per page: the ones asked for, else every sheet of the spreadsheet. */
  private async sheetsPage(state: PullState, token: string, signal: AbortSignal) {
    const spreadsheetId = state.params.spreadsheet_id as string;
    const cursor = (state.cursor as RangesCursor | null) ?? {
      ranges: (state.params.ranges ?? (await this.sheetTitles(spreadsheetId, token, signal))).slice(
        0,
        state.params.max_items,
      ),
      next: 0,
    };
    const range = cursor.ranges[cursor.next];
    const valueRange =
      range === undefined
        ? undefined
        : await this.google.get<unknown>(
            'sheets',
            googlePath`v4/spreadsheets/${spreadsheetId}/values/${range}`,
            {},
            token,
            { signal },
          );
    const next = cursor.next + 1;
    return {
      fetched: valueRange === undefined ? 0 : 1,
      cursor: next < cursor.ranges.length ? { ranges: cursor.ranges, next } : null,
      store: (casefileId: string) =>
        valueRange === undefined
          ? Promise.resolve({ created: 0, updated: 0, unchanged: 0 })
          : this.workspace.importSheetRange(casefileId, spreadsheetId, valueRange),
    };
  }

  private async sheetTitles(
    spreadsheetId: string,
    token: string,
    signal: AbortSignal,
  ): Promise<string[]> {
    const spreadsheet = await this.google.get<{ sheets?: { properties?: { title?: string } }[] }>(
      'sheets',
      googlePath`v4/spreadsheets/${spreadsheetId}`,
      { fields: 'sheets.properties.title' },
      token,
      { signal },
    );
    return (spreadsheet?.sheets ?? []).flatMap(({ properties }) =>
      properties?.title ? [`'${properties.title.replaceAll("'", "''")}'`] : [],
    );
  }

  /** The next page's cursor, or null when Google has no more or the job has what it asked for. */
  private nextPage(state: PullState, got: number, pageToken: string | undefined): unknown {
    const done = !pageToken || got === 0 || state.fetched + got >= state.params.max_items;
    return done ? null : ({ pageToken } satisfies PageCursor);
  }
}
