import { Injectable } from '@nestjs/common';
import type { ImportCountsDto } from '../import-counts';
import { WorkspaceService } from '../workspace.service';
import { GoogleApiClient, GoogleApiError } from './google-api.client';
import { DrivePull } from './drive-pull';
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
  store(): Promise<ImportCountsDto & { removed?: number; skipped?: number }>;
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

/** The ranges a Sheets job reads, the next one, and (a source's run) the modifiedTime it saw. */
interface RangesCursor {
  ranges: string[];
  next: number;
  modified?: string;
}

/**
 * Pages from the Google REST APIs (Gmail: GmailPull; Drive: DrivePull; Sheets values.get), each
 * stored through the same import path as the API's import routes.
 */
@Injectable()
export class GooglePull {
  constructor(
    private readonly google: GoogleApiClient,
    private readonly gmail: GmailPull,
    private readonly drive: DrivePull,
    private readonly workspace: WorkspaceService,
  ) {}

  next(state: PullState, token: string, signal: AbortSignal): Promise<PulledPage> {
    switch (state.source) {
      case 'gmail':
        return this.gmail.next(state, token, signal);
      case 'drive':
        return this.drive.next(state, token, signal);
      case 'sheets':
        return this.sheetsPage(state, token, signal);
    }
  }

  /**
   * One range per page: the ones asked for, else every sheet of the spreadsheet. A source's run
   * first asks Drive for the spreadsheet's modifiedTime and reads nothing when it has not moved
   * since the last run.
   */
  private async sheetsPage(state: PullState, token: string, signal: AbortSignal) {
    const spreadsheetId = state.params.spreadsheet_id as string;
    let cursor = state.cursor as RangesCursor | null;
    if (cursor === null) {
      const modified =
        state.sourceState === null
          ? undefined
          : await this.modifiedTime(spreadsheetId, token, signal);
      if (modified !== undefined && modified === state.sourceState?.modified_time) {
        const sourceState = { modified_time: modified };
        return { fetched: 0, cursor: null, sourceState, store: () => this.workspace.noChanges() };
      }
      const ranges = state.params.ranges ?? (await this.sheetTitles(spreadsheetId, token, signal));
      cursor = { ranges: ranges.slice(0, state.params.max_items), next: 0, modified };
    }
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
    const done = next >= cursor.ranges.length;
    return {
      fetched: valueRange === undefined ? 0 : 1,
      cursor: done ? null : { ...cursor, next },
      sourceState:
        done && cursor.modified !== undefined ? { modified_time: cursor.modified } : undefined,
      store: () =>
        valueRange === undefined
          ? this.workspace.noChanges()
          : this.workspace.importSheetRange(
              state.casefileId,
              spreadsheetId,
              valueRange,
              undefined,
              range,
            ),
    };
  }

  /** The spreadsheet's modifiedTime, from Drive (files.get); undefined when Drive says not. */
  private async modifiedTime(
    spreadsheetId: string,
    token: string,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const file = await this.google
      .get<{ modifiedTime?: unknown }>(
        'drive',
        googlePath`drive/v3/files/${spreadsheetId}`,
        { fields: 'modifiedTime' },
        token,
        { signal },
      )
      .catch((error: unknown) => {
        // a connection with the Sheets scope alone: every run reads the ranges
        if (error instanceof GoogleApiError && error.status === 403) return undefined;
        throw error;
      });
    const modified = file?.modifiedTime;
    return typeof modified === 'string' && modified.length <= 64 ? modified : undefined;
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
}
