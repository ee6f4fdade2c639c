import { describe, expect, it } from 'vitest';
import { bleu, bleuDetails, bleuFromStatistics, sentenceBleu } from '../../src/eval/metrics/index.js';
import { lcsLength, rougeL, rougeTokenize } from '../../src/eval/metrics/rouge.js';
import { tokenize13a } from '../../src/eval/metrics/tokenize13a.js';

/** sacreBLEU takes reference *streams* (one list per reference set); ours are per hypothesis. */
const perHypothesis = (streams: string[][]): string[][] => streams[0]!.map((_, i) => streams.map((s) => s[i]!));

// The sacreBLEU README example, also in sacreBLEU's test/test_bleu.py (mjpost/sacrebleu):
// "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)".
const README_REFS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];
const README_HYPS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const readmeRefs = perHypothesis(README_REFS);

/** sacreBLEU's `raw_corpus_bleu(sys, refs, smooth_value)`: floor smoothing, no tokenisation, effective order. */
const RAW = (smoothValue: number) => ({ smooth: 'floor' as const, smoothValue, tokenize: 'none' as const, effectiveOrder: true });

describe('BLEU matches sacreBLEU', () => {
  it('on the README example (default 13a tokenisation, exp smoothing)', () => {
    const result = bleuDetails(README_HYPS, readmeRefs);
    expect(result.score).toBeCloseTo(48.530827, 6);
    expect(result.precisions.map((p) => p.toFixed(1))).toEqual(['82.4', '50.0', '45.5', '37.5']);
    expect(result.brevityPenalty.toFixed(3)).toBe('0.943');
    expect([result.hypLength, result.refLength]).toEqual([17, 18]);
    expect(bleu(README_HYPS, readmeRefs, { smooth: 'none' })).toBeCloseTo(48.530827, 6);
    expect(bleu(README_HYPS, readmeRefs, { tokenize: 'none' })).toBeCloseTo(49.1919566, 6);
    expect(bleu(['', '', ''], readmeRefs)).toBe(0);
  });

  it('for n-gram orders 1 to 6 (test_max_ngram_order)', () => {
    const expected = ['77.65', '60.50', '53.93', '48.53', '46.14', '43.28'];
    expected.forEach((score, i) => expect(bleu(README_HYPS, readmeRefs, { maxOrder: i + 1 }).toFixed(2)).toBe(score));
  });

  it('on the raw-BLEU, statistics, offset and effective-order cases of test_bleu.py', () => {
    expect(bleu(['this is a test'], [['this is a test']], RAW(0.01)) / 100).toBeCloseTo(1, 12);
    expect(bleu(['this is a fest'], [['this is a test']], RAW(0.01)) / 100).toBeCloseTo(0.223606797749979, 12);
    expect(bleu(['this is a test', 'another test'], [['ref1'], ['ref2']], RAW(0.01))).toBe(0);
    const stats = bleuDetails(['am I am a character sequence'], [['I am a symbol string sequence a a']], RAW(0.01));
    expect([stats.counts, stats.totals]).toEqual([
      [4, 2, 1, 0],
      [6, 5, 4, 3],
    ]);
    expect(bleu(['am I am a character sequence'], [['I am a symbol string sequence a a']], RAW(0.1)) / 100).toBeCloseTo(0.1555722182, 9);
    expect(bleu(['am I am a character sequence'], [['I am a symbol string sequence a a']], RAW(0))).toBe(0);
    expect(bleu(['test'], [['a test']], RAW(0.01)) / 100).toBeCloseTo(0.3678794411714425, 12);
    expect(bleu(['a little test'], [['a test']], RAW(0.01)) / 100).toBeCloseTo(0.03218297948685433, 12);
    expect(bleuFromStatistics([9, 7, 5, 3], [10, 8, 6, 4], 11, 11, { smooth: 'none' }).score / 100).toBeCloseTo(0.8375922397, 9);
  });

  it('for sentence BLEU under every smoothing method (test_sentence_bleu.py, sacreBLEU issue #98)', () => {
    const ref = 'producţia de zahăr brut se exprimă în zahăr alb;';
    const sys = 'Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;';
    const cases = [
      [{ smooth: 'exp' }, 8.493],
      [{ smooth: 'none' }, 0],
      [{ smooth: 'floor' }, 4.51688],
      [{ smooth: 'floor', smoothValue: 0.5 }, 10.1],
      [{ smooth: 'add-k' }, 14.882],
      [{ smooth: 'add-k', smoothValue: 2 }, 21.389],
      [{ smooth: 'exp', tokenize: 'none' }, 7.347],
    ] as const;
    for (const [options, expected] of cases) expect(Math.abs(sentenceBleu(sys, [ref], options) - expected), JSON.stringify(options)).toBeLessThan(1e-3);
    // sacreBLEU issue #141: no matching n-gram at all scores 0 whatever the smoothing.
    for (const smooth of ['exp', 'floor', 'add-k'] as const) expect(sentenceBleu('this is a cat', ['okay thanks'], { smooth })).toBe(0);
  });

  it('takes the closest reference length, the shorter on a tie', () => {
    expect(bleuDetails(['a b c'], [['a b', 'a b c d']]).refLength).toBe(2);
    expect(bleuDetails(['a b c'], [['a b c d e', 'a b c d']]).refLength).toBe(4);
  });

  it('needs references for every hypothesis', () => {
    expect(() => bleu(['a', 'b'], [['a']])).toThrow(RangeError);
    expect(() => bleu(['a'], [[]])).toThrow(RangeError);
  });
});

describe('13a tokenisation', () => {
  it('splits punctuation but keeps numbers, apostrophes and hyphens in words', () => {
    expect(tokenize13a("It wasn't surprising.")).toEqual(['It', "wasn't", 'surprising', '.']);
    expect(tokenize13a('It costs $1,234.50, (approx.) 3-4 well-known items!')).toEqual([
      'It',
      'costs',
      '$',
      '1,234.50',
      ',',
      '(',
      'approx',
      '.',
      ')',
      '3',
      '-',
      '4',
      'well-known',
      'items',
      '!',
    ]);
    expect(tokenize13a('a &amp; b &quot;c&quot;')).toEqual(['a', '&', 'b', '"', 'c', '"']);
  });
});

describe('ROUGE-L', () => {
  it('scores the Lin (2004) example: reference "police killed the gunman"', () => {
    // Lin 2004, section 3.1: S2 gets ROUGE-L 3/4 and S3 gets 2/4 against S1.
    expect(rougeL('police kill the gunman', 'police killed the gunman').f).toBeCloseTo(0.75, 12);
    expect(rougeL('the gunman kill police', 'police killed the gunman').f).toBeCloseTo(0.5, 12);
  });

  it('matches rouge-score (google-research) rouge_scorer_test: non-consecutive LCS', () => {
    // scorer.score(target="testing one two", prediction="testing two"): precision 2/2, recall 2/3.
    const score = rougeL('testing two', 'testing one two');
    expect(score.p).toBe(1);
    expect(score.r).toBeCloseTo(2 / 3, 12);
    expect(score.f).toBeCloseTo(0.8, 12);
  });

  it('tokenises like rouge-score: lower-case, split on anything non-alphanumeric', () => {
    expect(rougeTokenize("The Dog's bone -- it's 3.5kg!")).toEqual(['the', 'dog', 's', 'bone', 'it', 's', '3', '5kg']);
    expect(rougeL('THE CAT.', 'the cat').f).toBe(1);
  });

  it('is 0 for empty or disjoint texts', () => {
    expect(rougeL('', 'a b')).toEqual({ p: 0, r: 0, f: 0 });
    expect(rougeL('a b', '...')).toEqual({ p: 0, r: 0, f: 0 });
    expect(rougeL('x y', 'a b')).toEqual({ p: 0, r: 0, f: 0 });
    expect(lcsLength(['a', 'b', 'c', 'b', 'd', 'a', 'b'], ['b', 'd', 'c', 'a', 'b', 'a'])).toBe(4); // CLRS 15.4
  });
});
