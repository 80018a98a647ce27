import { AGGREGATE_OPS, type AggregateOp, aggregate } from '../sheets/aggregate';
import { SheetRangesRepository } from '../sheets/sheet-ranges.repository';
import { readableCasefile } from './casefile-access';
import { AccessService } from '../../access';
import { Tool, type ToolContext, ToolError, type ToolImplementation } from '../../tool-sessions';

/** The most values (as JSON text) one call reads: an import is at most 10 MiB, one range fits. */
const MAX_BYTES = 16 * 1024 * 1024;

/** sum / avg / min / max / count of a column of a spreadsheet imported into the casefile. */
@Tool({
  name: 'sheets.aggregate',
  description:
    'sum, avg, min, max or count of a column (its header name, or its letter) of a spreadsheet in the casefile; cells that are not numbers are skipped and counted',
  parameters: {
    type: 'object',
    required: ['spreadsheet_id', 'column', 'op'],
    properties: {
      spreadsheet_id: { type: 'string', minLength: 1, maxLength: 256 },
      range: { type: 'string', minLength: 1, maxLength: 500 },
      column: { type: 'string', minLength: 1, maxLength: 256 },
      op: { enum: [...AGGREGATE_OPS] },
    },
    additionalProperties: false,
  },
  requiresCasefile: true,
  runsIn: 'event-loop',
})
export class SheetsAggregateTool implements ToolImplementation {
  constructor(
    private readonly access: AccessService,
    private readonly sheets: SheetRangesRepository,
  ) {}

  async execute(
    ctx: ToolContext,
    params: { spreadsheet_id: string; range?: string; column: string; op: AggregateOp },
  ) {
    const casefileId = await readableCasefile(this.access, ctx);
    // the values are read into this process (its event loop): at most MAX_BYTES of them per call
    const bytes = await this.sheets.valuesBytes(casefileId, params.spreadsheet_id, params.range);
    if (bytes > MAX_BYTES) {
      const mb = (n: number) => `${Math.ceil(n / 1024 / 1024)} MB`;
      throw new ToolError(
        `The ${params.range ? 'range holds' : "spreadsheet's ranges hold"} ${mb(bytes)} of values; ` +
          `sheets.aggregate reads at most ${mb(MAX_BYTES)} at a time${params.range ? '' : ': name a range'}`,
      );
    }
    const ranges = await this.sheets.values(casefileId, params.spreadsheet_id, params.range);
    if (ranges.length === 0) {
      throw new ToolError(
        `The casefile has no ${params.range ? `range ${params.range} of ` : ''}spreadsheet ${params.spreadsheet_id}`,
      );
    }
    const result = aggregate(ranges, params.column, params.op);
    if (!result) {
      const headers = [...new Set(ranges.flatMap((range) => range.header))].join(', ');
      throw new ToolError(`No column ${params.column}: the columns are ${headers} (or a letter)`);
    }
    return result;
  }
}
