import { Injectable } from '@nestjs/common';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { RequestValidationError } from '../../platform/errors/system.errors';
import { assertNoHostileInput, MAX_JSON_DEPTH } from '../../core/http/hostile-input';
import { isStorableTime, STORABLE_TIME_MESSAGE, storableTimeOf } from '../../core/http/timestamps';
import { type Page, type PageQuery, paginate, singlePage } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import { DriveFilesRepository } from './drive/drive-files.repository';
import {
  type DriveFileDto,
  type GmailMessageDto,
  type ListDriveFilesQuery,
  type ListGmailMessagesQuery,
  SEARCH_TYPES,
  type SearchCasefileQuery,
  type SearchHitDto,
  type SheetRangeDto,
  type StoreDriveFilesDto,
  type StoreGmailMessagesDto,
  type StoreSheetDataDto,
  toDriveFileDto,
  toGmailMessageDto,
  toSheetRangeDto,
} from './dto/workspace.dto';
import {
  type GmailMessageResource,
  MessageFormatError,
  type ParsedGmailMessage,
  parseGmailMessage,
} from './gmail/gmail-message.parser';
import { GmailMessagesRepository } from './gmail/gmail-messages.repository';
import {
  assertValid,
  driveFileSchema,
  duplicateKey,
  gmailMessageSchema,
  valueRangeSchema,
} from './google-resources';
import type { ImportCountsDto } from './import-counts';
import { clean, type DriveFileResource, toParsedDriveFile } from './drive/drive-file.resource';
import type { HeldFile } from './drive/drive-files.repository';
import { rowsOf, type ValueRange } from './sheets/value-range';
import { WorkspaceSearchRepository } from './search/workspace-search.repository';
import { SheetRangesRepository } from './sheets/sheet-ranges.repository';
import { AccessService } from '../access';
import { AuditTrail } from '../audit';

/** How long an import parses messages before it lets the event loop serve others. */
const PARSE_SLICE_MS = 5;

const DEFAULT_SEARCH_LIMIT = 20;

/**
 * Workspace data in casefiles (API.md §7): imports of Google resources as idempotent batched
 * upserts (editor), the lists (viewer), and full-text search over all three kinds (viewer).
 */
@Injectable()
export class WorkspaceService {
  constructor(
    private readonly access: AccessService,
    private readonly auditTrail: AuditTrail,
    private readonly gmail: GmailMessagesRepository,
    private readonly drive: DriveFilesRepository,
    private readonly sheets: SheetRangesRepository,
    private readonly searchIndex: WorkspaceSearchRepository,
  ) {}

  async storeGmailMessages(
    actor: Actor,
    casefileId: string,
    dto: StoreGmailMessagesDto,
  ): Promise<ImportCountsDto> {
    await this.access.require(actor, casefileId, 'editor');
    return importCounts(await this.importGmailMessages(casefileId, dto.messages));
  }

  /**
   * Checks the whole batch, then stores it in one statement: a bad item stores nothing. Also the
   * sync worker's way in, with `skipRefused`: an item the checks refuse (anyone can mail a user
   * a message no import takes) is left out and counted as `skipped`, and the rest is stored.
   */
  async importGmailMessages(
    casefileId: string,
    items: readonly unknown[],
    options: { skipRefused?: boolean } = {},
  ): Promise<SyncImportCounts> {
    const { accepted, skipped } = options.skipRefused
      ? await eachAccepted(
          items,
          (one) => this.parseGmailMessages(one),
          (m) => m.googleId,
        )
      : { accepted: await this.parseGmailMessages(items), skipped: 0 };
    const counts = await this.gmail.upsert(casefileId, accepted);
    return { ...this.noted(casefileId, 'gmail_messages', counts), skipped };
  }

  /** The batch checked and parsed; RequestValidationError naming the first bad item's field. */
  private async parseGmailMessages(items: readonly unknown[]): Promise<ParsedGmailMessage[]> {
    assertNoHostileInput(items, MAX_JSON_DEPTH, 'messages');
    const resources = assertValid<GmailMessageResource>(
      items,
      'messages',
      gmailMessageSchema,
      (m) =>
        m.payload === undefined && m.raw === undefined
          ? { field: 'payload', message: 'payload is required (format=full), or raw (format=raw)' }
          : m.internalDate !== undefined && !isStorableTime(new Date(Number(m.internalDate)))
            ? { field: 'internalDate', message: `internalDate ${STORABLE_TIME_MESSAGE}` }
            : undefined,
    );
    duplicateKey(resources, (m) => m.id, 'messages', 'id');
    const parsed: ParsedGmailMessage[] = [];
    let slice = performance.now();
    for (const [index, message] of resources.entries()) {
      // one message at a time, the event loop given back every few milliseconds of parsing: a
      // batch of 500 is never one long stall for everyone else
      if (performance.now() - slice >= PARSE_SLICE_MS) {
        await yieldToEventLoop();
        slice = performance.now();
      }
      parsed.push(
        await parseGmailMessage(message).catch((error: unknown) => {
          if (!(error instanceof MessageFormatError)) throw error;
          const field = `messages.${index}.${error.field}`;
          throw new RequestValidationError([
            { field, message: `messages.${index}.${error.message}` },
          ]);
        }),
      );
    }
    return parsed;
  }

  /** Takes the messages Gmail removed out of the casefile (a sync job found them gone). */
  async removeGmailMessages(
    casefileId: string,
    googleIds: readonly string[],
    jobId: string,
  ): Promise<number> {
    return googleIds.length === 0 ? 0 : this.gmail.remove(casefileId, googleIds, jobId);
  }

  /** Of `googleIds`, the messages the casefile holds. */
  heldGmailMessages(casefileId: string, googleIds: readonly string[]): Promise<Set<string>> {
    return this.gmail.held(casefileId, googleIds);
  }

  /** Takes the files Drive removed (or trashed) out of the casefile. */
  async removeDriveFiles(
    casefileId: string,
    googleIds: readonly string[],
    jobId: string,
  ): Promise<number> {
    return googleIds.length === 0 ? 0 : this.drive.remove(casefileId, googleIds, jobId);
  }

  /** Of `googleIds`, the files the casefile holds: when each was last modified, whether it has text. */
  heldDriveFiles(casefileId: string, googleIds: readonly string[]): Promise<Map<string, HeldFile>> {
    return this.drive.held(casefileId, googleIds);
  }

  /** A page that stores nothing. */
  noChanges(): Promise<ImportCountsDto> {
    return Promise.resolve({ created: 0, updated: 0, unchanged: 0 });
  }

  async storeDriveFiles(
    actor: Actor,
    casefileId: string,
    dto: StoreDriveFilesDto,
  ): Promise<ImportCountsDto> {
    await this.access.require(actor, casefileId, 'editor');
    return importCounts(await this.importDriveFiles(casefileId, dto.files));
  }

  /**
   * Stores Drive files (the import route's and the sync's); `keepText`: a file without
   * `content_text` keeps the text the casefile holds (a sync downloads it only when it changed).
   */
  async importDriveFiles(
    casefileId: string,
    items: readonly unknown[],
    options: { keepText?: boolean; skipRefused?: boolean } = {},
  ): Promise<SyncImportCounts> {
    const check = (batch: readonly unknown[]) => Promise.resolve(this.checkDriveFiles(batch));
    const { accepted, skipped } = options.skipRefused
      ? await eachAccepted(items, check, (file) => file.id)
      : { accepted: await check(items), skipped: 0 };
    const parsed = accepted.map((file) => toParsedDriveFile(file, options.keepText));
    const counts = await this.drive.upsert(casefileId, parsed);
    return { ...this.noted(casefileId, 'drive_files', counts), skipped };
  }

  /** The batch checked; RequestValidationError naming the first bad item's field. */
  private checkDriveFiles(items: readonly unknown[]): DriveFileResource[] {
    assertNoHostileInput(items, MAX_JSON_DEPTH, 'files');
    const files = assertValid<DriveFileResource>(items, 'files', driveFileSchema, (file) =>
      file.modifiedTime !== undefined && storableTimeOf(file.modifiedTime) === undefined
        ? { field: 'modifiedTime', message: `modifiedTime ${STORABLE_TIME_MESSAGE}` }
        : undefined,
    );
    duplicateKey(files, (file) => file.id, 'files', 'id');
    return files;
  }

  async storeSheetData(
    actor: Actor,
    casefileId: string,
    dto: StoreSheetDataDto,
  ): Promise<ImportCountsDto> {
    await this.access.require(actor, casefileId, 'editor');
    return this.importSheetRange(casefileId, dto.spreadsheet_id, dto.value_range, dto.sheet_title);
  }

  /**
   * Stores a ValueRange under the range Google answered — or, for a sync, under `asRange`, the
   * range it asked for (`'Costs'`), so a sheet that grows stays one row (Google answers
   * `'Costs'!A1:C10`, then `'Costs'!A1:C11`).
   */
  async importSheetRange(
    casefileId: string,
    spreadsheetId: string,
    valueRange: unknown,
    sheetTitle?: string,
    asRange?: string,
  ): Promise<ImportCountsDto> {
    assertNoHostileInput(valueRange, MAX_JSON_DEPTH, 'value_range');
    const [range] = assertValid<ValueRange>([valueRange], 'value_range', valueRangeSchema);
    const [header = [], ...rows] = rowsOf(range).map((row) =>
      row.map((cell) => (typeof cell === 'string' ? clean(cell) : cell)),
    );
    const counts = await this.sheets.upsert(casefileId, {
      spreadsheetId,
      sheetTitle: sheetTitle ?? range.range.split('!')[0].replace(/^'(.*)'$/, '$1'),
      range: asRange ?? range.range,
      header: header.map(String),
      rows,
    });
    return this.noted(casefileId, 'sheets', counts);
  }

  async listGmailMessages(
    actor: Actor,
    casefileId: string,
    query: ListGmailMessagesQuery,
  ): Promise<Page<GmailMessageDto>> {
    await this.access.require(actor, casefileId, 'viewer');
    return paginate(
      query,
      {
        sort: '-date',
        fetch: (take, after) => this.gmail.list(casefileId, query, take, after),
        count: () => this.gmail.count(casefileId, query),
      },
      toGmailMessageDto,
    );
  }

  async listDriveFiles(
    actor: Actor,
    casefileId: string,
    query: ListDriveFilesQuery,
  ): Promise<Page<DriveFileDto>> {
    await this.access.require(actor, casefileId, 'viewer');
    const filters = { mimeType: query.mime_type, name: query.name };
    return paginate(
      query,
      {
        sort: '-modified_time',
        fetch: (take, after) => this.drive.list(casefileId, filters, take, after),
        count: () => this.drive.count(casefileId, filters),
      },
      toDriveFileDto,
    );
  }

  async listSheetData(
    actor: Actor,
    casefileId: string,
    page: PageQuery,
  ): Promise<Page<SheetRangeDto>> {
    await this.access.require(actor, casefileId, 'viewer');
    return paginate(
      page,
      {
        sort: '-created_at',
        fetch: (take, after) => this.sheets.list(casefileId, take, after),
        count: () => this.sheets.count(casefileId),
      },
      toSheetRangeDto,
    );
  }

  async search(
    actor: Actor,
    casefileId: string,
    query: SearchCasefileQuery,
  ): Promise<Page<SearchHitDto>> {
    await this.access.require(actor, casefileId, 'viewer');
    return singlePage(await this.searchIn(casefileId, query));
  }

  /** The search itself, for a caller that checked access (the `casefile.search` tool). */
  searchIn(
    casefileId: string,
    query: { q: string; types?: readonly string[]; limit?: number },
  ): Promise<SearchHitDto[]> {
    return this.searchIndex.search(
      casefileId,
      query.q,
      (query.types as SearchHitDto['type'][] | undefined) ?? SEARCH_TYPES,
      query.limit ?? DEFAULT_SEARCH_LIMIT,
    );
  }

  private noted(casefileId: string, kind: string, counts: ImportCountsDto): ImportCountsDto {
    this.auditTrail.note({
      resourceType: 'casefile',
      resourceId: casefileId,
      casefileId,
      details: { imported: kind, ...counts },
    });
    return counts;
  }
}

/** What a sync's import did: the import's counts, and the items it left out as refused. */
export type SyncImportCounts = ImportCountsDto & { skipped: number };

/** An import route's answer: the counts (nothing is skipped there: a bad item refuses all). */
const importCounts = ({ created, updated, unchanged }: SyncImportCounts): ImportCountsDto => ({
  created,
  updated,
  unchanged,
});

/**
 * `check` on each item alone: the results of those it accepts, and how many it refused. An id
 * that comes twice (the checks of one item cannot see the other) is stored once, as it came last:
 * one statement cannot write a row twice.
 */
async function eachAccepted<T>(
  items: readonly unknown[],
  check: (one: readonly unknown[]) => Promise<T[]>,
  key: (item: T) => string,
): Promise<{ accepted: T[]; skipped: number }> {
  const accepted = new Map<string, T>();
  let skipped = 0;
  for (const item of items) {
    try {
      for (const one of await check([item])) {
        accepted.delete(key(one));
        accepted.set(key(one), one);
      }
    } catch (error) {
      if (!(error instanceof RequestValidationError)) throw error;
      skipped++;
    }
  }
  return { accepted: [...accepted.values()], skipped };
}
