import { describe, expect, it } from 'vitest';
import { extractFeatures, isCharFeature, tokenize } from '../../src/embed/features.js';

const summary = (text: string) => {
  const { ids, counts } = extractFeatures(text);
  const words = Array.from(ids).filter((id) => !isCharFeature(id)).length;
  return { distinct: ids.length, words, chars: ids.length - words, total: counts.reduce((a, b) => a + b, 0) };
};

describe('tokenize', () => {
  it('lower-cases and keeps runs of letters and digits', () => {
    expect(tokenize('Hello, World! 42 times—Café')).toEqual(['hello', 'world', '42', 'times', 'café']);
    expect(tokenize('  ...  ')).toEqual([]);
  });
});

describe('extractFeatures', () => {
  it('counts word uni/bi-grams and char 3–5-grams inside space-padded words', () => {
    // "the the": unigram "the" ×2, bigram "the the" ×1; " the " gives " th", " the", " the ",
    // "the", "the ", "he " — each twice.
    expect(summary('the the')).toEqual({ distinct: 8, words: 2, chars: 6, total: 15 });
    // "ab": unigram + " ab", "ab " (3-grams) + " ab " (4-gram); no bigram.
    expect(summary('ab')).toEqual({ distinct: 4, words: 1, chars: 3, total: 4 });
  });

  it('returns sorted distinct ids', () => {
    const { ids } = extractFeatures('a quick brown fox jumps over the lazy dog and the quick cat');
    for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!);
  });

  it('ignores case and punctuation', () => {
    expect(extractFeatures('Hello, WORLD!')).toEqual(extractFeatures('hello world'));
  });

  it('distinguishes word order through bigrams', () => {
    const a = extractFeatures('dog bites man');
    const b = extractFeatures('man bites dog');
    expect(Array.from(a.ids)).not.toEqual(Array.from(b.ids));
  });

  it('gives nothing for text without letters or digits', () => {
    expect(extractFeatures('').ids.length).toBe(0);
    expect(extractFeatures('?!').ids.length).toBe(0);
  });
});
