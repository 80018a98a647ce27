import fc from 'fast-check';
import { findHostileInput, toStorableText } from './hostile-input';

/**
 * The rule, spelled out plainly (recursive, regex, paths built eagerly): every problem in the
 * value, as `bad <field>` or `deep <field>`. The walk must find one of them exactly when any exist.
 */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const join = (path: string, key: string | number) => (path === '' ? String(key) : `${path}.${key}`);
function problems(value: unknown, maxDepth: number, path: string, depth = 0): string[] {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? [`bad ${path || 'body'}`] : [];
  if (typeof value !== 'object' || value === null) return [];
  if (depth >= maxDepth) return [`deep ${path || 'body'}`];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((child, index) => [index, child])
    : Object.entries(value);
  return entries.flatMap(([key, child]) =>
    typeof key === 'string' && UNSTORABLE.test(key)
      ? [`bad ${join(path, key.replace(new RegExp(UNSTORABLE.source, 'g'), '?')) || 'body'}`]
      : problems(child, maxDepth, join(path, key), depth + 1),
  );
}
const described = (value: unknown, maxDepth: number, root = '') => {
  const problem = findHostileInput(value, maxDepth, root);
  if (!problem) return undefined;
  return `${problem.message.startsWith('nests') ? 'deep' : 'bad'} ${problem.field}`;
};

const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

describe('findHostileInput', () => {
  it('names the field of a NUL, a lone high or low surrogate, in a value or a key', () => {
    expect(findHostileInput({ a: [{ b: 'x\u0000y' }] })?.field).toBe('a.0.b');
    expect(findHostileInput({ a: ['ok', '\ud800'] })?.field).toBe('a.1');
    expect(findHostileInput({ a: { '\udc00k': 1 } })?.field).toBe('a.?k');
    expect(findHostileInput(['\ud83d\ude00 paired'], 64, 'messages')).toBeUndefined();
    expect(findHostileInput({ x: 'end\ud83d' }, 64, 'messages')?.field).toBe('messages.x');
    expect(findHostileInput('\u0000', 64, 'q')?.field).toBe('q');
  });

  it('refuses nesting at the limit and names where it starts', () => {
    expect(findHostileInput(nested(4), 4)).toBeUndefined();
    expect(findHostileInput(nested(5), 4)).toEqual({
      field: 'a.0.a.0',
      message: 'nests deeper than 4 levels',
    });
    expect(findHostileInput({}, 0)?.field).toBe('body');
  });

  it('walks 100 000 levels without overflowing when no limit is set', () => {
    expect(findHostileInput(nested(100_000), Infinity)).toBeUndefined();
  });

  it('agrees with the plain rule on any JSON value, hostile strings included', () => {
    const hostile = fc.constantFrom(
      '\u0000',
      '\ud800',
      '\udfff',
      'a\ud83d',
      '\ude00b',
      '\ud83d\ude00',
    );
    const text = fc.oneof(fc.string(), hostile, fc.string({ unit: 'binary' }));
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(text, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(
        json,
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('', 'messages'),
        (value, depth, root) => {
          const all = problems(value, depth, root);
          const found = described(value, depth, root);
          if (all.length === 0) expect(found).toBeUndefined();
          else expect(all).toContain(found);
        },
      ),
      { numRuns: 2000, seed: 20261207 },
    );
  });

  it('toStorableText replaces what it refuses with U+FFFD', () => {
    expect(toStorableText('a\u0000b\ud800c\ud83d\ude00')).toBe('a\ufffdb\ufffdc\ud83d\ude00');
  });
});
