import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { type Page, PageDto } from '../../core/http/pagination';
import { Operation } from '../../core/hub/operation.decorator';
import { ToolDto } from './dto/tool.dto';
import { ToolSessionsService } from './tool-sessions.service';

@ApiTags('Tools')
@Controller('tools')
export class ToolsController {
  constructor(private readonly toolSessions: ToolSessionsService) {}

  @Get()
  @Operation('list_tools', {
    summary: 'The tool registry, with each JSON Schema (one page)',
    errors: [],
  })
  @ApiEnvelopeResponse(PageDto(ToolDto))
  list(): Page<ToolDto> {
    return this.toolSessions.listTools();
  }

  @Get(':name')
  @Operation('get_tool', { summary: 'One tool, or 404 NF_TOOL', errors: ['NF_TOOL'] })
  @ApiEnvelopeResponse(ToolDto)
  get(@Param('name') name: string): ToolDto {
    return this.toolSessions.getTool(name);
  }
}
