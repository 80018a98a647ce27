import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { PathId } from '../../core/http/id.param';
import { type Page, PageDto, PageQuery } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import { Operation } from '../../core/hub/operation.decorator';
import {
  DriveFileDto,
  GmailMessageDto,
  ListDriveFilesQuery,
  ListGmailMessagesQuery,
  SearchCasefileQuery,
  SearchHitDto,
  SheetRangeDto,
  StoreDriveFilesDto,
  StoreGmailMessagesDto,
  StoreSheetDataDto,
} from './dto/workspace.dto';
import { ImportCountsDto } from './import-counts';
import { WorkspaceService } from './workspace.service';
import { CurrentActor } from '../auth';

/** Imports take up to 500 Google resources in a body of up to 10 MiB (API.md §7). */
const IMPORT = { bodyLimitBytes: 10 * 1024 * 1024 } as const;

/** Workspace data of a casefile (API.md §7): imports (editor), lists and search (viewer). */
@ApiTags('Workspace')
@Controller('casefiles/:id')
export class WorkspaceController {
  constructor(private readonly workspace: WorkspaceService) {}

  @Post('gmail-messages')
  @HttpCode(200)
  @Operation('store_gmail_messages', {
    summary: 'Import Gmail messages (format=full or raw); re-importing one changes nothing',
    errors: ['NF_CASEFILE'],
    ...IMPORT,
  })
  @ApiEnvelopeResponse(ImportCountsDto)
  storeGmailMessages(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Body() dto: StoreGmailMessagesDto,
  ): Promise<ImportCountsDto> {
    return this.workspace.storeGmailMessages(actor, id, dto);
  }

  @Get('gmail-messages')
  @Operation('list_gmail_messages', {
    summary: "The casefile's messages, newest first",
    errors: ['NF_CASEFILE', 'VAL_INVALID_CURSOR'],
  })
  @ApiEnvelopeResponse(PageDto(GmailMessageDto))
  listGmailMessages(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Query() query: ListGmailMessagesQuery,
  ): Promise<Page<GmailMessageDto>> {
    return this.workspace.listGmailMessages(actor, id, query);
  }

  @Post('drive-files')
  @HttpCode(200)
  @Operation('store_drive_files', {
    summary: 'Import Drive files (and their text)',
    errors: ['NF_CASEFILE'],
    ...IMPORT,
  })
  @ApiEnvelopeResponse(ImportCountsDto)
  storeDriveFiles(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Body() dto: StoreDriveFilesDto,
  ): Promise<ImportCountsDto> {
    return this.workspace.storeDriveFiles(actor, id, dto);
  }

  @Get('drive-files')
  @Operation('list_drive_files', {
    summary: "The casefile's files, most recently modified first",
    errors: ['NF_CASEFILE', 'VAL_INVALID_CURSOR'],
  })
  @ApiEnvelopeResponse(PageDto(DriveFileDto))
  listDriveFiles(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Query() query: ListDriveFilesQuery,
  ): Promise<Page<DriveFileDto>> {
    return this.workspace.listDriveFiles(actor, id, query);
  }

  @Post('sheets')
  @HttpCode(200)
  @Operation('store_sheet_data', {
    summary: 'Import a range of a spreadsheet',
    errors: ['NF_CASEFILE'],
    ...IMPORT,
  })
  @ApiEnvelopeResponse(ImportCountsDto)
  storeSheetData(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Body() dto: StoreSheetDataDto,
  ): Promise<ImportCountsDto> {
    return this.workspace.storeSheetData(actor, id, dto);
  }

  @Get('sheets')
  @Operation('list_sheet_data', {
    summary: "The casefile's spreadsheet ranges, newest first",
    errors: ['NF_CASEFILE', 'VAL_INVALID_CURSOR'],
  })
  @ApiEnvelopeResponse(PageDto(SheetRangeDto))
  listSheetData(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Query() page: PageQuery,
  ): Promise<Page<SheetRangeDto>> {
    return this.workspace.listSheetData(actor, id, page);
  }

  @Get('search')
  @Operation('search_casefile', {
    summary: 'Full-text search over messages, files and sheets',
    errors: ['NF_CASEFILE'],
  })
  @ApiEnvelopeResponse(PageDto(SearchHitDto))
  search(
    @CurrentActor() actor: Actor,
    @PathId() id: string,
    @Query() query: SearchCasefileQuery,
  ): Promise<Page<SearchHitDto>> {
    return this.workspace.search(actor, id, query);
  }
}
