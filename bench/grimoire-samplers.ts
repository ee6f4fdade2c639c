/**
 * `grimoire build`'s samplers at growing pool sizes: the built-in embedder's fit and embed (TF-IDF + LSA,
 * the vectors KCS and HCS cluster), then k-means (KCS), hierarchical (HCS) and hard samples (HSS), each timed
 * alone with the process's CPU time beside the wall time (the machine may be shared).
 *
 *   npx tsx bench/grimoire-samplers.ts [sizes, default 10000,100000] [--k 4] [--labels 4]
 *
 * The pool is synthetic reviews: each label has its own vocabulary of topic words, so the clusters are real.
 */
import type { Example } from '../src/data/types.js';
import { TfidfLsaEmbedder } from '../src/embed/tfidf.js';
import { hardSamples, hierarchicalSamples, kmeansSamples, type LabelledPool } from '../src/grimoire/samplers.js';
import { createRng } from '../src/util/random.js';

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}

const sizes = (process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : '10000,100000').split(',').map(Number);
const k = Number(argument('--k', '4'));
const labelCount = Number(argument('--labels', '4'));
const labels = Array.from({ length: labelCount }, (_, l) => `label${l}`);

const TOPICS = ['food', 'service', 'price', 'room', 'staff', 'view', 'music', 'parking', 'wifi', 'breakfast', 'pool', 'noise'];
const WORDS = ['great', 'awful', 'slow', 'quick', 'cheap', 'dear', 'clean', 'dirty', 'warm', 'cold', 'loud', 'quiet'];

function pool(n: number): LabelledPool {
  const rng = createRng(`bench-samplers-${n}`);
  const examples: Example[] = [];
  for (let i = 0; i < n; i++) {
    const l = i % labelCount;
    const topic = TOPICS[(l * 3 + rng.int(3)) % TOPICS.length]!;
    const words = Array.from({ length: 6 }, () => WORDS[rng.int(WORDS.length)]!).join(' ');
    examples.push({ index: i, id: `train-${i}`, input: `the ${topic} was ${words} and the ${topic} again ${i % 97}`, target: labels[l]!, raw: {} });
  }
  return { examples, labels };
}

function timed<T>(work: () => T): { value: T; wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = work();
  const used = process.cpuUsage(cpu0);
  return { value, wall: (performance.now() - t0) / 1000, cpu: (used.user + used.system) / 1e6 };
}

const rows: { n: number; step: string; wall: number; cpu: number }[] = [];
for (const n of sizes) {
  const data = pool(n);
  const inputs = data.examples.map((e) => e.input);
  const embedder = new TfidfLsaEmbedder();
  const steps: [string, () => unknown][] = [];
  let vectors: Float32Array[] = [];
  steps.push(['embedder fit', () => embedder.fit(inputs)]);
  steps.push(['embed', () => (vectors = embedder.embedSync(inputs))]);
  steps.push(['kmeans', () => kmeansSamples(data, vectors, k, 1)]);
  steps.push(['hierarchical', () => hierarchicalSamples(data, vectors, k, 1)]);
  const correct = new Map(data.examples.map((e, i) => [e.id, i % 3 !== 0]));
  steps.push(['hard', () => hardSamples(data, { k, ratio: 0.5, seed: 1, correct, weakModel: 'bench' })]);
  for (const [step, work] of steps) {
    const { wall, cpu } = timed(work);
    rows.push({ n, step, wall, cpu });
    console.log(`n=${n} ${step}: ${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`);
  }
}

console.log('\n| step | ' + sizes.map((n) => `${n.toLocaleString('en-US')} (wall / CPU)`).join(' | ') + ' | CPU growth |');
console.log('|---|' + sizes.map(() => '---:|').join('') + '---:|');
for (const step of [...new Set(rows.map((r) => r.step))]) {
  const of = rows.filter((r) => r.step === step);
  const growth = of.length > 1 ? `${(of.at(-1)!.cpu / Math.max(of[0]!.cpu, 1e-3)).toFixed(1)}x for ${(of.at(-1)!.n / of[0]!.n).toFixed(0)}x examples` : '';
  console.log(`| ${step} | ${of.map((r) => `${r.wall.toFixed(2)} s / ${r.cpu.toFixed(2)} s`).join(' | ')} | ${growth} |`);
}
