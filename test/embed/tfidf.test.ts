import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TfidfLsaEmbedder } from '../../src/embed/tfidf.js';
import { dot, norm } from '../../src/embed/vector.js';
import { InputError } from '../../src/util/errors.js';

const here = dirname(fileURLToPath(import.meta.url));
const agNewsDir = resolve(here, '../../../shared/datasets/grimoire/tasks/AgNews');

interface AgNewsRow {
  text: string;
  ans_text: string;
}
const readAgNews = (split: 'train' | 'test'): AgNewsRow[] => JSON.parse(readFileSync(resolve(agNewsDir, `${split}.json`), 'utf8')) as AgNewsRow[];

const SMALL_CORPUS = [
  'The central bank raised interest rates to fight inflation.',
  'Stocks fell sharply after the interest rate decision.',
  'The striker scored twice as the home team won the final.',
  'The goalkeeper saved a penalty in the second half.',
  'A new smartphone with a faster chip was announced today.',
  'The software update fixes a security flaw in the browser.',
  'Heavy rain caused floods across the northern provinces.',
  'Rescue teams searched for survivors after the earthquake.',
  'Inflation slowed as energy prices eased last month.',
  'The coach praised the defence after the narrow victory.',
  'Researchers unveiled a chip that uses far less power.',
  'The storm knocked out power to thousands of homes.',
];

const bits = (vectors: Float32Array[]) => vectors.map((v) => Array.from(v));

describe('TfidfLsaEmbedder on a small corpus', () => {
  it('gives unit vectors whose size is capped by the corpus', async () => {
    const embedder = new TfidfLsaEmbedder({ seed: 1 });
    embedder.fit(SMALL_CORPUS);
    expect(embedder.dims).toBeLessThanOrEqual(SMALL_CORPUS.length);
    const vectors = await embedder.embed([...SMALL_CORPUS, 'Interest rates and inflation worry investors.']);
    expect(vectors).toHaveLength(SMALL_CORPUS.length + 1);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(embedder.dims);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const a = new TfidfLsaEmbedder({ seed: 7 });
    const b = new TfidfLsaEmbedder({ seed: 7 });
    a.fit(SMALL_CORPUS);
    b.fit(SMALL_CORPUS);
    const texts = [...SMALL_CORPUS, 'a brand new sentence about rain and floods'];
    expect(bits(await a.embed(texts))).toEqual(bits(await b.embed(texts)));
    expect(a.id).toBe(b.id);

    const big = readCorpusOrSmall();
    const c = new TfidfLsaEmbedder({ seed: 7, dims: 20 });
    const d = new TfidfLsaEmbedder({ seed: 8, dims: 20 });
    c.fit(big);
    d.fit(big);
    // With a sketch narrower than the corpus, the seed changes the subspace found.
    expect(bits(await c.embed(big.slice(0, 3)))).not.toEqual(bits(await d.embed(big.slice(0, 3))));
    expect(c.id).not.toBe(d.id);
  });

  it('ranks a topical neighbour above unrelated sentences', async () => {
    const embedder = new TfidfLsaEmbedder();
    embedder.fit(SMALL_CORPUS);
    const [query, ...candidates] = await embedder.embed([
      'Interest rates rose again as the bank fought inflation.',
      SMALL_CORPUS[0]!,
      SMALL_CORPUS[2]!,
      SMALL_CORPUS[6]!,
    ]);
    const [related, sport, weather] = candidates.map((v) => dot(query!, v));
    expect(related).toBeGreaterThan(sport!);
    expect(related).toBeGreaterThan(weather!);
  });

  it('embeds a fitted text and a new text with the same features identically', async () => {
    const embedder = new TfidfLsaEmbedder();
    embedder.fit(SMALL_CORPUS);
    // Upper-cased and re-punctuated: not in the corpus, but the same features.
    const variant = SMALL_CORPUS[3]!.toUpperCase().replace('.', '!!');
    const [fitted, fresh] = await embedder.embed([SMALL_CORPUS[3]!, variant]);
    expect(Array.from(fresh!)).toEqual(Array.from(fitted!));
  });

  it('gives the zero vector to text sharing nothing with the corpus', async () => {
    const embedder = new TfidfLsaEmbedder();
    embedder.fit(SMALL_CORPUS);
    const [v] = await embedder.embed(['%%% ###']);
    expect(Array.from(v!).every((x) => x === 0)).toBe(true);
  });

  it('handles duplicate texts and a single text', async () => {
    const duplicates = new TfidfLsaEmbedder();
    duplicates.fit(['same words here', 'same words here', 'same words here', 'other words there']);
    expect(duplicates.dims).toBeLessThanOrEqual(2);
    const [a, b] = await duplicates.embed(['same words here', 'other words there']);
    expect(dot(a!, a!)).toBeCloseTo(1, 5);
    expect(dot(a!, b!)).toBeLessThan(0.99);

    const single = new TfidfLsaEmbedder();
    single.fit(['only one text']);
    expect(single.dims).toBe(1);
    expect(norm((await single.embed(['only one text']))[0]!)).toBeCloseTo(1, 5);
  });

  it('refuses to embed before fitting, and bad corpora or settings', async () => {
    await expect(new TfidfLsaEmbedder().embed(['x'])).rejects.toThrow(/fitted/);
    expect(() => new TfidfLsaEmbedder().fit([])).toThrow(InputError);
    expect(() => new TfidfLsaEmbedder().fit(['...', '!!!'])).toThrow(/no words/);
    expect(() => new TfidfLsaEmbedder({ dims: 0 })).toThrow(/embedder\.dims/);
    expect(() => new TfidfLsaEmbedder({ minDf: 0 })).toThrow(InputError);
    expect(() => new TfidfLsaEmbedder({ seed: -1 })).toThrow(InputError);
  });
});

describe('TfidfLsaEmbedder save and load', () => {
  it('round-trips through JSON to identical vectors and id', async () => {
    const embedder = new TfidfLsaEmbedder({ seed: 3, dims: 8 });
    embedder.fit(SMALL_CORPUS);
    const saved = JSON.parse(JSON.stringify(embedder.toJSON())) as unknown;
    const loaded = TfidfLsaEmbedder.fromJSON(saved);
    const texts = [...SMALL_CORPUS, 'floods after heavy rain', 'a faster phone chip'];
    expect(bits(await loaded.embed(texts))).toEqual(bits(await embedder.embed(texts)));
    expect(loaded.id).toBe(embedder.id);
    expect(loaded.settings).toEqual(embedder.settings);
  });

  it('rejects a saved space it cannot reproduce, and malformed state', () => {
    const embedder = new TfidfLsaEmbedder({ seed: 3 });
    embedder.fit(SMALL_CORPUS);
    const state = embedder.toJSON();
    const tampered = { ...state, fingerprint: state.fingerprint.map((v, i) => (i === 0 ? v + 0.01 : v)) };
    expect(() => TfidfLsaEmbedder.fromJSON(tampered, { file: 'ranker.json' })).toThrow(/ranker\.json.*fingerprint/);
    expect(() => TfidfLsaEmbedder.fromJSON({ ...state, kind: 'other' })).toThrow(/kind/);
    expect(() => TfidfLsaEmbedder.fromJSON({ ...state, corpus: [1, 2] })).toThrow(/corpus/);
    expect(() => TfidfLsaEmbedder.fromJSON({ ...state, settings: { ...state.settings, dims: -4 } })).toThrow(InputError);
    expect(() => TfidfLsaEmbedder.fromJSON('nope')).toThrow(InputError);
  });

  it('cannot save before fitting', () => {
    expect(() => new TfidfLsaEmbedder().toJSON()).toThrow(/fitted/);
  });
});

function readCorpusOrSmall(): string[] {
  if (!existsSync(agNewsDir)) {
    return Array.from({ length: 40 }, (_, i) => `${SMALL_CORPUS[i % SMALL_CORPUS.length]!} variant ${i}`);
  }
  return readAgNews('train')
    .slice(0, 200)
    .map((row) => row.text);
}

describe.skipIf(!existsSync(agNewsDir))('TfidfLsaEmbedder on AgNews', () => {
  const train = existsSync(agNewsDir) ? readAgNews('train') : [];
  const test = existsSync(agNewsDir) ? readAgNews('test') : [];

  /** Share of queries whose nearest training text has the same label. */
  function oneNearestAgreement(queries: Float32Array[], labels: string[], skipSelf: boolean, pool: Float32Array[]) {
    let agree = 0;
    queries.forEach((q, i) => {
      let best = -1;
      let bestScore = -Infinity;
      pool.forEach((p, j) => {
        if (skipSelf && j === i) return;
        const score = dot(q, p);
        if (score > bestScore) {
          bestScore = score;
          best = j;
        }
      });
      if (train[best]!.ans_text === labels[i]) agree++;
    });
    return agree / queries.length;
  }

  it('fits 2,000 sentences, with same-topic nearest neighbours far above chance', async () => {
    const texts = train.map((row) => row.text);
    const embedder = new TfidfLsaEmbedder();
    embedder.fit(texts);
    const vectors = await embedder.embed(texts);

    const sample = 400;
    const trainAgreement = oneNearestAgreement(
      vectors.slice(0, sample),
      train.slice(0, sample).map((row) => row.ans_text),
      true,
      vectors,
    );
    const testVectors = await embedder.embed(test.slice(0, sample).map((row) => row.text));
    const testAgreement = oneNearestAgreement(
      testVectors,
      test.slice(0, sample).map((row) => row.ans_text),
      false,
      vectors,
    );
    console.log(`AgNews 1-NN label agreement: train ${trainAgreement.toFixed(3)}, test ${testAgreement.toFixed(3)}`);
    // Four balanced labels: chance is 25%.
    expect(trainAgreement).toBeGreaterThan(0.6);
    expect(testAgreement).toBeGreaterThan(0.6);
  });

  it('puts paraphrases nearer than unrelated news', async () => {
    const embedder = new TfidfLsaEmbedder();
    embedder.fit(train.map((row) => row.text));
    const triples: Array<[string, string, string]> = [
      ['Oil prices rise as supply fears grow', 'Crude oil prices climb on worries about supply', 'The Red Sox beat the Yankees in extra innings'],
      [
        'Microsoft releases a security patch for Windows',
        'Windows security update released by Microsoft',
        'Iraqi insurgents attack a police station in Baghdad',
      ],
      [
        'The quarterback threw three touchdowns in the win',
        'Three touchdown passes from the quarterback sealed the victory',
        'Shares of the airline fell after weak quarterly profit',
      ],
      ['Rebels and government troops clash in Sudan', 'Fighting between Sudanese troops and rebels', 'Google unveils a new desktop search tool'],
    ];
    for (const [text, paraphrase, unrelated] of triples) {
      const [a, b, c] = await embedder.embed([text, paraphrase, unrelated]);
      expect(dot(a!, b!), `${text} / ${paraphrase}`).toBeGreaterThan(dot(a!, c!) + 0.1);
    }
  });
});

describe('TfidfLsaEmbedder vocabulary', () => {
  it('keeps single-text features when no feature is shared by two texts (minDf auto)', async () => {
    // One three-letter word per text, no letter used twice: no n-gram occurs in two texts.
    const unrelated = Array.from({ length: 25 }, (_, i) => String.fromCharCode(0x4e00 + 3 * i, 0x4e01 + 3 * i, 0x4e02 + 3 * i));
    const embedder = new TfidfLsaEmbedder();
    embedder.fit(unrelated);
    const [v] = await embedder.embed([unrelated[4]!]);
    expect(norm(v!)).toBeCloseTo(1, 5);
    expect(() => new TfidfLsaEmbedder({ minDf: 2 }).fit(unrelated)).toThrow(/none in 2\+ texts/);
  });
});
