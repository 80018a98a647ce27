import { textStats } from './text-stats.tool';

describe('text.stats', () => {
  it('counts code points, words and lines of any line ending', () => {
    expect(textStats('héllo wörld 😀\r\nsecond line\rthird\n')).toEqual({
      characters: 33, // 5 + 1 + 5 + 1 + 1 (one code point, two UTF-16 units) + 2 + 11 + 1 + 5 + 1
      words: 5,
      lines: 4,
      top_words: [
        { word: 'héllo', count: 1 },
        { word: 'line', count: 1 },
        { word: 'second', count: 1 },
        { word: 'third', count: 1 },
        { word: 'wörld', count: 1 },
      ],
    });
  });

  it('ranks words case-insensitively by count, then alphabetically, keeping ten', () => {
    const text = 'b B b a A c d e f g h i j k l don’t';
    const { top_words: top, words } = textStats(text);
    expect(words).toBe(16);
    expect(top).toHaveLength(10);
    expect(top.slice(0, 3)).toEqual([
      { word: 'b', count: 3 },
      { word: 'a', count: 2 },
      { word: 'c', count: 1 },
    ]);
    expect(textStats("don't stop").top_words.map((w) => w.word)).toEqual(["don't", 'stop']);
  });

  it('measures an empty text as nothing', () => {
    expect(textStats('')).toEqual({ characters: 0, words: 0, lines: 0, top_words: [] });
  });
});
