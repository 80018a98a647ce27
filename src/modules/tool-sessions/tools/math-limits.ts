import { factory, type MathJsInstance } from 'mathjs';
import { ToolError } from '../registry/tool.decorator';

/**
 * The most elements one array or matrix an expression makes may hold (8 MB of numbers): a
 * 1000 × 1000 matrix fits, `1:1e9` does not. Checked before mathjs allocates anything.
 */
export const MAX_ELEMENTS = 1_000_000;

/** mathjs's own values, as far as a size is read from them. */
interface Sized {
  size(): number[] | { valueOf(): number[] };
}

const isSized = (value: unknown): value is Sized =>
  typeof value === 'object' && value !== null && typeof (value as Sized).size === 'function';

/** A plain number of a BigNumber, Fraction or bigint argument (sizes and bounds come as any). */
function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && value !== null && 'valueOf' in value) {
    const plain = Number((value as { valueOf(): unknown }).valueOf());
    if (!Number.isNaN(plain)) return plain;
  }
  return NaN;
}

/** How many elements a value holds: an array (nested) or a matrix, else one. */
function elementsOf(value: unknown): number {
  if (Array.isArray(value)) {
    return value.reduce((total: number, item: unknown) => total + elementsOf(item), 0);
  }
  if (isSized(value)) {
    const size = value.size();
    const dims = Array.isArray(size) ? size : size.valueOf();
    return dims.reduce((product, dim) => product * dim, 1);
  }
  return 1;
}

/** The numbers of a size argument: `[2, 3]`, a matrix of them, or one number. */
function sizeNumbers(value: unknown): number[] {
  if (Array.isArray(value)) return value.flat(Infinity).map(toNumber);
  if (isSized(value)) return sizeNumbers((value as unknown as { valueOf(): unknown }).valueOf());
  return [toNumber(value)];
}

function refuse(what: string, elements: number): never {
  const count = Number.isFinite(elements) ? Math.round(elements).toLocaleString('en') : 'unbounded';
  throw new ToolError(
    `The expression would make ${what} of ${count} elements; at most ${MAX_ELEMENTS.toLocaleString('en')} are allowed`,
  );
}

function assertAffordable(what: string, elements: number): void {
  if (!(elements <= MAX_ELEMENTS)) refuse(what, elements); // NaN and Infinity refused too
}

const product = (numbers: number[]) => numbers.reduce((total, n) => total * Math.abs(n), 1);

/** The length of `range(start, end, step)` (or of the string form `'1:2:10'`). */
function rangeLength(args: unknown[]): number {
  let [start, end, step] = args;
  if (typeof start === 'string') [start, end, step] = start.split(':').map(Number);
  const from = toNumber(start);
  const to = toNumber(end);
  // with a step argument the third is the step; range(a, b, true) includes the end
  const by = typeof step === 'boolean' || step === undefined ? 1 : toNumber(step);
  if (by === 0) return 0;
  return Math.floor(Math.abs((to - from) / by)) + 1;
}

/** The sizes of the arguments that are sizes (a trailing storage format is not). */
const sizeArgs = (args: unknown[]) => args.filter((arg) => typeof arg !== 'string');

/**
 * Each guard reads the size a function is about to make from its arguments and refuses it
 * before the original runs. Sizes that only repeat what the inputs already hold (map, transpose,
 * element-wise arithmetic) need none: their inputs passed these checks.
 */
const GUARDS: Record<string, (args: unknown[], oneBased: boolean) => void> = {
  range: (args) => assertAffordable('a range', rangeLength(args)),
  zeros: (args) => assertAffordable('a matrix', product(sizeArgs(args).flatMap(sizeNumbers))),
  ones: (args) => assertAffordable('a matrix', product(sizeArgs(args).flatMap(sizeNumbers))),
  identity: (args) => {
    const [rows, cols = rows] = sizeArgs(args).flatMap(sizeNumbers);
    assertAffordable('a matrix', product([rows, cols]));
  },
  // random(size?, min?, max?): only an array or matrix first argument is a size
  random: (args) => {
    if (Array.isArray(args[0]) || isSized(args[0])) {
      assertAffordable('a matrix', product(sizeNumbers(args[0])));
    }
  },
  randomInt: (args) => {
    if (Array.isArray(args[0]) || isSized(args[0])) {
      assertAffordable('a matrix', product(sizeNumbers(args[0])));
    }
  },
  resize: (args) => assertAffordable('a matrix', product(sizeNumbers(args[1]))),
  matrixFromFunction: (args) => assertAffordable('a matrix', product(sizeNumbers(args[0]))),
  pickRandom: (args) => {
    const option = args[1];
    const count =
      typeof option === 'object' && option !== null && 'number' in option
        ? toNumber(option.number)
        : option === undefined
          ? 1
          : toNumber(option);
    assertAffordable('a selection', count);
  },
  concat: (args) =>
    assertAffordable(
      'a matrix',
      args.reduce(
        (total: number, arg) => total + (typeof arg === 'number' ? 0 : elementsOf(arg)),
        0,
      ),
    ),
  kron: (args) => assertAffordable('a matrix', elementsOf(args[0]) * elementsOf(args[1])),
  diag: (args) => {
    const [x, k] = args;
    const dims = isSized(x) ? elementsOf(x) : Array.isArray(x) ? x.length : 1;
    const vector = Array.isArray(x)
      ? !Array.isArray(x[0])
      : isSized(x) && sizeNumbers(x.size()).length === 1;
    const offset = Math.abs(toNumber(k ?? 0)) || 0;
    if (vector) assertAffordable('a matrix', (dims + offset) ** 2);
  },
  // a matrix product is (rows of the first) × (columns of the last)
  multiply: (args) => {
    const matrices = args.filter((arg) => Array.isArray(arg) || isSized(arg));
    if (matrices.length < 2) return;
    const rows = sizeNumbers(isSized(matrices[0]) ? matrices[0].size() : shapeOf(matrices[0]))[0];
    const last = matrices[matrices.length - 1];
    const lastSize = sizeNumbers(isSized(last) ? last.size() : shapeOf(last));
    assertAffordable('a matrix', rows * (lastSize[1] ?? 1));
  },
  setCartesian: (args) => assertAffordable('a set', elementsOf(args[0]) * elementsOf(args[1])),
  setPowerset: (args) => assertAffordable('a set', 2 ** elementsOf(args[0])),
  // `x[i, j] = v` grows x to reach (i, j): the index's largest position per dimension, multiplied
  index: (args, oneBased) => {
    const reach = args.map((dim) => {
      if (typeof dim === 'string') return 1; // a property name
      const numbers =
        typeof dim === 'object' && dim !== null && 'start' in dim && 'end' in dim
          ? [toNumber((dim as { start: unknown }).start), toNumber((dim as { end: unknown }).end)]
          : sizeNumbers(dim);
      return Math.max(0, ...numbers.map((n) => Math.abs(n))) + (oneBased ? 0 : 1);
    });
    assertAffordable('a matrix', product(reach));
  },
};

/** The dimensions of a nested array (`[[1,2],[3,4]]` → [2, 2]), read along its first items. */
function shapeOf(array: unknown): number[] {
  const shape: number[] = [];
  for (let level = array; Array.isArray(level); level = level[0]) shape.push(level.length);
  return shape;
}

/** Functions an expression may not reach: they define, parse or evaluate code, or reconfigure. */
const DISABLED = [
  'config',
  'import',
  'createUnit',
  'evaluate',
  'parse',
  'compile',
  'parser',
  'simplify',
  'simplifyConstant',
  'simplifyCore',
  'derivative',
  'resolve',
  'rationalize',
  'reviver',
  'replacer',
];

/**
 * Hardens a mathjs instance through its own extension point (`import` with `override`): the
 * functions that make arrays, matrices and sets refuse sizes past MAX_ELEMENTS before they
 * allocate, and what defines, parses or evaluates code, or changes the configuration, is
 * unreachable from expressions. Returns the instance's `evaluate`, taken before it is disabled.
 */
export function harden(math: MathJsInstance): MathJsInstance['evaluate'] {
  const evaluate = math.evaluate.bind(math);
  // taken now: the guarded copies are made lazily, when an expression first reaches them
  const typed = math.typed.bind(math);
  const transforms = (math as unknown as { expression: { transform: Record<string, Guardable> } })
    .expression.transform;
  const replacements: unknown[] = [];
  for (const [name, guard] of Object.entries(GUARDS)) {
    const original = (math as unknown as Record<string, Guardable>)[name];
    replacements.push(
      factory(name, [], () => guardedCopy(typed, name, original, (args) => guard(args, false))),
    );
    // the expression parser's own variant (one-based indices, ranges that include their end)
    const transform = transforms[name];
    if (transform) {
      replacements.push(
        factory(name, [], () => guardedCopy(typed, name, transform, (args) => guard(args, true)), {
          isTransformFunction: true,
        }),
      );
    }
  }
  const disabled = Object.fromEntries(
    DISABLED.map((name) => [
      name,
      () => {
        throw new ToolError(`${name} is not available in expressions`);
      },
    ]),
  );
  math.import([...replacements, disabled], { override: true });
  return evaluate;
}

/** A mathjs function: typed (with its signatures) or plain. */
type Guardable = ((...args: unknown[]) => unknown) & {
  signatures?: Record<string, (...args: unknown[]) => unknown>;
  transform?: Guardable;
};

/**
 * `original` with `guard` run on the arguments first. A typed function stays typed, signature for
 * signature, so mathjs functions that depend on it (made later, lazily) find their signatures in
 * it as in the original; a rest signature (`...any`) hands its implementation one array.
 */
function guardedCopy(
  typed: MathJsInstance['typed'],
  name: string,
  original: Guardable,
  guard: (args: unknown[]) => void,
): Guardable {
  if (!original.signatures) {
    return (...args: unknown[]) => {
      guard(args);
      return original(...args);
    };
  }
  const signatures = Object.fromEntries(
    Object.entries(original.signatures).map(([signature, implementation]) => [
      signature,
      (...args: unknown[]) => {
        guard(signature.startsWith('...') ? (args[0] as unknown[]) : args);
        return implementation(...args);
      },
    ]),
  );
  return (typed as unknown as (name: string, signatures: object) => Guardable)(name, signatures);
}
