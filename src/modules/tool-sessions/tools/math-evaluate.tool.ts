import { all, create } from 'mathjs';
import {
  Tool,
  type ToolContext,
  ToolError,
  type ToolImplementation,
} from '../registry/tool.decorator';
import { harden } from './math-limits';

const math = create(all);
/** The configuration every evaluation runs with; `config` is unreachable from expressions. */
const readConfig = math.config.bind(math) as () => object; // read only, never set
const FROZEN_CONFIG = JSON.stringify(readConfig());
const evaluate = harden(math);

type Value = number | boolean | string;

/** A JSON value for the result: numbers as numbers, anything else as mathjs prints it. */
function toValue(result: unknown): Value {
  const last =
    typeof result === 'object' && result !== null && 'entries' in result
      ? (result as { entries: unknown[] }).entries.at(-1) // several statements: the last one's
      : result;
  if (typeof last === 'number') {
    if (!Number.isFinite(last)) throw new ToolError('The result is not a finite number');
    return last;
  }
  if (typeof last === 'boolean') return last;
  if (last === undefined || typeof last === 'function') {
    throw new ToolError('The expression defines something but computes no value');
  }
  return math.format(last, { precision: 14 });
}

/**
 * Arithmetic with a real expression parser (mathjs), never `eval`, `Function` or `vm`: numbers,
 * + − × ÷ ^ %, parentheses, units, matrices and the common functions. Runs in a tool worker
 * process like every pure tool, so a costly expression is bounded by TOOL_TIMEOUT_MS and the
 * worker's memory; the arrays, matrices and sets it makes are refused past a size before they are
 * allocated (math-limits.ts). Each evaluation has a scope of its own and the one frozen
 * configuration: nothing an expression does reaches the next one.
 */
@Tool({
  name: 'math.evaluate',
  description:
    'Evaluates an arithmetic expression (numbers, + - * / ^ %, parentheses, sqrt, sin, log, matrices up to 1,000,000 elements, …)',
  parameters: {
    type: 'object',
    properties: {
      expression: { type: 'string', minLength: 1, maxLength: 1000, examples: ['2 * (3 + 4)^2'] },
    },
    required: ['expression'],
    additionalProperties: false,
  },
})
export class MathEvaluateTool implements ToolImplementation {
  execute(_ctx: ToolContext, params: { expression: string }): { value: Value } {
    // nothing an expression reaches can change it; checked anyway, as the evaluation starts
    if (JSON.stringify(readConfig()) !== FROZEN_CONFIG) {
      throw new Error('the mathjs configuration changed: this worker must not evaluate');
    }
    return { value: toValue(evaluate(params.expression, new Map())) };
  }
}
