/** The learned ranker really trains, beats the best single grimoire where routing matters, and reloads. */
import { describe, expect, it } from 'vitest';
import { TfidfLsaEmbedder } from '../../src/embed/index.js';
import { auc, embedGrimoires, GrimoireRanker, mostSimilar, trainMlp, type Row } from '../../src/grimoire/ranker.js';
import type { GrimoireArtifact } from '../../src/grimoire/types.js';
import { createRng } from '../../src/util/random.js';
import { toyGrimoire } from './fixtures.js';

const grimoire = (id: string, text: string, sampler: GrimoireArtifact['sampler']['name']) => toyGrimoire(id, text, sampler, 'Topic');

const SPORTS = ['football', 'goal', 'league', 'match', 'striker', 'coach', 'season', 'tennis'];
const MARKETS = ['stocks', 'shares', 'investors', 'earnings', 'profit', 'market', 'bonds', 'bank'];

function questions(n: number, seed: number) {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const sports = i % 2 === 0;
    const words = sports ? SPORTS : MARKETS;
    const text = Array.from({ length: 6 }, () => words[rng.int(words.length)]).join(' ');
    return { id: `v${i}`, input: `news: ${text}`, sports };
  });
}

describe('trainMlp', () => {
  it('learns a non-linear (xor-like) rule far below the constant baseline, keeping the best check epoch', () => {
    const rng = createRng(3);
    const make = (n: number): Row[] =>
      Array.from({ length: n }, () => {
        const a = rng.next() * 2 - 1;
        const b = rng.next() * 2 - 1;
        return { x: Float64Array.from([a, b, rng.next()]), y: a * b > 0 ? 1 : 0 };
      });
    const { mlp, report } = trainMlp(make(400), make(200), { hidden: 8, epochs: 200, patience: 30, learningRate: 0.02, l2: 0, batchSize: 16, seed: 1 });
    expect(report.checkLoss).toBeLessThan(0.45 * report.checkBaselineLoss);
    expect(report.checkAuc!).toBeGreaterThan(0.9);
    expect(report.bestEpoch).toBeGreaterThan(1);
    expect(mlp.predict(Float64Array.from([0.8, 0.8, 0.5]))).toBeGreaterThan(0.7);
    expect(mlp.predict(Float64Array.from([0.8, -0.8, 0.5]))).toBeLessThan(0.3);
  });

  it('auc counts ties as half and is null with one class', () => {
    expect(auc([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0])).toBe(0.875);
    expect(auc([0.2, 0.3], [1, 1])).toBeNull();
  });
});

describe('GrimoireRanker', () => {
  const grimoires = [
    grimoire('sports-book', 'Skills for sports news: football league match goal striker coach season tennis.', 'kmeans'),
    grimoire('markets-book', 'Skills for market news: stocks shares investors earnings profit bonds bank.', 'random'),
  ];

  async function space() {
    const embedder = new TfidfLsaEmbedder({ dims: 16 });
    embedder.fit([...questions(60, 9).map((q) => q.input), ...grimoires.map((g) => g.text)]);
    return embedGrimoires(embedder, grimoires);
  }

  it('similarity picks the grimoire about the question', async () => {
    const s = await space();
    const [sports, markets] = await s.embedder.embed(['news: football goal league', 'news: stocks bonds profit']);
    expect(mostSimilar(s, sports!)).toBe(0);
    expect(mostSimilar(s, markets!)).toBe(1);
  });

  it('routes each question to the grimoire that works for it, better than any single grimoire, and reloads identically', async () => {
    const s = await space();
    // Each book helps only on its own topic; the sports book is slightly better overall.
    const answers = questions(80, 5).map((q, i) => ({
      id: q.id,
      input: q.input,
      correct: new Map([
        ['sports-book', q.sports || i % 10 === 1],
        ['markets-book', !q.sports],
      ]),
    }));
    const ranker = await GrimoireRanker.train({ task: 'Topic', labelCount: 4, weakModel: 'weak', space: s, answers, settings: { seed: 2 } });
    const v = ranker.saved.validation;
    expect(v.fitQuestions).toBe(60);
    expect(v.checkQuestions).toBe(20);
    expect(v.rows).toBe(160);
    expect(v.checkLoss).toBeLessThan(v.checkBaselineLoss);
    expect(v.checkRoutedAccuracy!).toBeGreaterThan(v.checkBestSingleAccuracy!);
    expect(v.checkRoutedAccuracy!).toBeGreaterThanOrEqual(0.9);
    expect(ranker.saved.trainedOn).toEqual({ split: 'validation', ids: answers.map((a) => a.id) });

    const fresh = questions(10, 77);
    const ranked = await Promise.all(fresh.map((q) => ranker.rank(q.input)));
    expect(ranked.filter((r, i) => r[0]!.id === (fresh[i]!.sports ? 'sports-book' : 'markets-book')).length).toBeGreaterThanOrEqual(9);

    const reloaded = await GrimoireRanker.load(JSON.parse(JSON.stringify(ranker.toJSON())));
    for (const q of fresh) expect(await reloaded.rank(q.input)).toEqual(await ranker.rank(q.input));
  });

  it('in prior mode (the scorer routed worse than the best single grimoire on validation) ranks by fit accuracy', async () => {
    const s = await space();
    const answers = questions(40, 5).map((q, i) => ({
      id: q.id,
      input: q.input,
      correct: new Map([
        ['sports-book', i % 3 !== 0],
        ['markets-book', i % 3 === 0],
      ]),
    }));
    const ranker = await GrimoireRanker.train({ task: 'Topic', labelCount: 4, weakModel: 'weak', space: s, answers });
    const saved = JSON.parse(JSON.stringify(ranker.toJSON()));
    saved.validation.mode = 'prior';
    const prior = await GrimoireRanker.load(saved);
    for (const q of questions(6, 3)) {
      const ranked = await prior.rank(q.input);
      expect(ranked.map((r) => r.id)).toEqual(['sports-book', 'markets-book']);
      expect(ranked[0]!.score).toBe(saved.grimoires[0].fitAccuracy);
    }
  });

  it('refuses a file that is not a saved ranker', async () => {
    await expect(GrimoireRanker.load({ format: 'other' }, { file: 'x.json' })).rejects.toThrow(/not a saved grimoire ranker/);
  });
});
