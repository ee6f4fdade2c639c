/**
 * Paired comparison of two runs on the same examples: McNemar's test on the discordant pairs and a
 * paired bootstrap of the accuracy difference. Only examples both runs scored are compared.
 */
import { join } from 'node:path';
import { RECORDS_FILE, streamRecords } from '../runs/runDir.js';
import { InputError } from '../util/errors.js';
import { fnv1a } from '../util/fnv1a.js';
import { grownLength, grownTo } from '../util/typedArrays.js';
import type { ExampleRecord } from './records.js';
import type { RunComparison } from './runComparison.js';
import { mcnemar, mean, pairedBootstrap } from './stats.js';

export type { RunComparison } from './runComparison.js';

/**
 * Both records files are read as streams: per example a state byte (from its last record) and a hash of its gold
 * answer, never the records. Pairs are taken in the order run A's examples first appear in its file, which fixes
 * the bootstrap's resamples for a seed.
 */
export async function compareRuns(dirA: string, dirB: string, seed = 0): Promise<RunComparison> {
  const a = await scoredOutcomes(dirA);
  const b = await scoredOutcomes(dirB);
  const correctA: boolean[] = [];
  const correctB: boolean[] = [];
  for (const index of a.order) {
    const stateA = a.state[index]!;
    const stateB = index < b.state.length ? b.state[index]! : ABSENT;
    if (stateA < WRONG || stateB < WRONG) continue;
    if (a.goldHash[index] !== b.goldHash[index]) {
      const [goldA, goldB] = await Promise.all([goldOf(dirA, index), goldOf(dirB, index)]);
      throw new InputError(`example ${index} has gold "${goldA}" in one run and "${goldB}" in the other: these runs are not on the same examples`);
    }
    correctA.push(stateA === CORRECT);
    correctB.push(stateB === CORRECT);
  }
  return comparePaired(dirA, dirB, correctA, correctB, a.scored + b.scored - 2 * correctA.length, seed);
}

function comparePaired(dirA: string, dirB: string, correctA: boolean[], correctB: boolean[], unpaired: number, seed: number): RunComparison {
  if (!correctA.length) {
    return { runA: dirA, runB: dirB, paired: 0, accuracyA: null, accuracyB: null, difference: null, mcnemar: null, unpaired };
  }
  const test = mcnemar(correctA, correctB);
  const bootstrap = pairedBootstrap(correctA.map(Number), correctB.map(Number), { seed });
  return {
    runA: dirA,
    runB: dirB,
    paired: correctA.length,
    accuracyA: mean(correctA.map(Number)),
    accuracyB: mean(correctB.map(Number)),
    difference: { mean: bootstrap.meanDiff, ci95: bootstrap.ci95, pValue: bootstrap.pValue },
    mcnemar: { onlyA: test.b, onlyB: test.c, statistic: test.statistic, pValue: test.pValue },
    unpaired,
  };
}

const ABSENT = 0;
const UNSCORED = 1;
const WRONG = 2;
const CORRECT = 3;

interface ScoredOutcomes {
  /** By example index: ABSENT, UNSCORED (a failed call or no score), WRONG or CORRECT, from the last record. */
  state: Uint8Array;
  goldHash: Uint32Array;
  /** Example indices in the order they first appear in the file. */
  order: Int32Array;
  scored: number;
}

async function scoredOutcomes(dir: string): Promise<ScoredOutcomes> {
  const file = join(dir, RECORDS_FILE);
  let state = new Uint8Array(1024);
  let goldHash = new Uint32Array(1024);
  let order = new Int32Array(1024);
  let seen = 0;
  for await (const record of streamRecords<ExampleRecord>(file)) {
    const index = record.index;
    if (index < 0) throw new InputError('a negative example index', { file, field: 'index' });
    if (index >= state.length) {
      const length = grownLength(state.length, index + 1);
      state = grownTo(state, length);
      goldHash = grownTo(goldHash, length);
    }
    if (state[index] === ABSENT) {
      if (seen === order.length) order = grownTo(order, grownLength(order.length, seen + 1));
      order[seen++] = index;
    }
    state[index] = record.error || record.correct === null || record.correct === undefined ? UNSCORED : record.correct ? CORRECT : WRONG;
    goldHash[index] = fnv1a(String(record.gold));
  }
  if (!seen) throw new InputError('no records found', { file });
  let scored = 0;
  for (let i = 0; i < seen; i++) if (state[order[i]!]! >= WRONG) scored++;
  return { state, goldHash, order: order.subarray(0, seen), scored };
}

/** The gold answer of one example (the last record for it), for an error message. */
async function goldOf(dir: string, index: number): Promise<string> {
  let gold = '';
  for await (const record of streamRecords<ExampleRecord>(join(dir, RECORDS_FILE))) if (record.index === index) gold = String(record.gold);
  return gold;
}
