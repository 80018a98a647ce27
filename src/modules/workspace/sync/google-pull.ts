import { Injectable } from '@nestjs/common';
import type { ImportCountsDto } from '../import-counts';
import { WorkspaceService } from '../workspace.service';
import { GoogleApiClient } from './google-api.client';
import { GmailPull } from './gmail-pull';
import { googlePath } from './google-ids';
import type { SyncParams, SyncSource } from './sync-job.entity';
import type { SyncSourceState } from './sync-source.entity';

/**
 * One page pulled from Google: how many items, where the next page starts, how to store it, and
 * after a source's last page where its next run starts.
 */
export interface PulledPage {
  fetched: number;
  /** The resume point after this page; null when this was the last one. */
  cursor: unknown;
  /** On the last page of a source's run: the state its next run starts from. */
  sourceState?: SyncSourceState;
  store(): Promise<ImportCountsDto & { removed?: number }>;
}

/**
 * Where a job stands: its source, what it was asked, how many it fetched, where it resumes; for a
 * source's run, where the last run left the source (null for a one-shot job).
 */
export interface PullState {
  jobId: string;
  casefileId: string;
  source: SyncSource;
  params: SyncParams;
  fetched: number;
  cursor: unknown;
  sourceState: SyncSourceState | null;
}

interface PageCursor {
  pageToken: string;
}
interface RangesCursor {
  ranges: string[];
  next: number;
}

const DRIVE_PAGE = 100;
const DRIVE_FIELDS =
  'nextPageToken,files(id,name,mimeType,description,modifiedTime,size,webViewLink,' +
  'owners(displayName,emailAddress))';

/**
 * Pages from the Google REST APIs (Gmail: GmailPull; Drive files.list, Sheets values.get), each stored through the same import path as the API's import routes.
 */
@Injectable()
export class GooglePull {
  constructor(
    private readonly google: GoogleApiClient,
    private readonly gmail: GmailPull,
    private readonly workspace: WorkspaceService,
  ) {}

  next(state: PullState, token: string, signal: AbortSignal): Promise<PulledPage> {
    switch (state.source) {
      case 'gmail':
        return this.gmail.next(state, token, signal);
      case 'drive':
        return this.drivePage(state, token, signal);
      case 'sheets':
        return this.sheetsPage(state, token, signal);
    }
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
      store: () => this.workspace.importDriveFiles(state.casefileId, files),
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
      store: () =>
        valueRange === undefined
          ? this.workspace.noChanges()
          : this.workspace.importSheetRange(state.casefileId, spreadsheetId, valueRange),
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
