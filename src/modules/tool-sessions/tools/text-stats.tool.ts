import { Tool, type ToolContext, type ToolImplementation } from '../registry/tool.decorator';

const TOP_WORDS = 10;
/** Letters and digits, with inner apostrophes (`don't`, `l’état`). */
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;
const LINE_BREAK = /\r\n|\r|\n/;
const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

export interface TextStats {
  characters: number;
  words: number;
  lines: number;
  top_words: { word: string; count: number }[];
}

/** Characters are Unicode code points; words are compared case-insensitively. */
export function textStats(text: string): TextStats {
  // a surrogate pair is two UTF-16 units but one code point
  const characters = text.length - (text.match(SURROGATE_PAIR)?.length ?? 0);
  const counts = new Map<string, number>();
  let words = 0;
  for (const [word] of text.matchAll(WORD)) {
    words += 1;
    const key = word.toLowerCase();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const topWords = [...counts]
    .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, TOP_WORDS)
    .map(([word, count]) => ({ word, count }));
  return {
    characters,
    words,
    lines: text === '' ? 0 : text.split(LINE_BREAK).length,
    top_words: topWords,
  };
}

@Tool({
  name: 'text.stats',
  description:
    'Counts the characters (Unicode code points), words and lines of a text and lists its ten most frequent words',
  parameters: {
    type: 'object',
    properties: { text: { type: 'string', description: 'The text to measure' } },
    required: ['text'],
    additionalProperties: false,
  },
})
export class TextStatsTool implements ToolImplementation {
  execute(_ctx: ToolContext, params: { text: string }): TextStats {
    return textStats(params.text);
  }
}
