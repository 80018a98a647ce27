import { all, create } from 'mathjs';
import {
  Tool,
  type ToolContext,
  ToolError,
  type ToolImplementation,
} from '../registry/tool.decorator';

const math = create(all);
const evaluate = math.evaluate.bind(math);
const disabled = (name: string) => () => {
  throw new ToolError(`${name} is not available in expressions`);
};
// mathjs's documented hardening: nothing an expression calls can define, parse or evaluate code
math.import(
  {
    import: disabled('import'),
    createUnit: disabled('createUnit'),
    evaluate: disabled('evaluate'),
    parse: disabled('parse'),
    simplify: disabled('simplify'),
    derivative: disabled('derivative'),
    resolve: disabled('resolve'),
  },
  { override: true },
);

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
 * + − × ÷ ^ %, parentheses, units, matrices and the common functions. Runs on a worker thread like
 * every pure tool, so a costly expression is bounded by TOOL_TIMEOUT_MS.
 */
@Tool({
  name: 'math.evaluate',
  description:
    'Evaluates an arithmetic expression (numbers, + - * / ^ %, parentheses, sqrt, sin, log, …)',
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
    return { value: toValue(evaluate(params.expression, new Map())) };
  }
}
