/**
 * Paired comparison of two runs on the same examples: McNemar's test on the discordant pairs and a
 * paired bootstrap of the accuracy difference. Only examples both runs scored are compared.
 */
import { join } from 'node:path';
import { readRecords, RECORDS_FILE } from '../runs/runDir.js';
import { InputError } from '../util/errors.js';
import type { ExampleRecord } from './records.js';
import { mcnemar, pairedBootstrap } from './stats.js';

export interface RunComparison {
  runA: string;
  runB: string;
  /** Examples scored in both runs. */
  paired: number;
  accuracyA: number | null;
  accuracyB: number | null;
  /** accuracy B - accuracy A, with a paired-bootstrap 95% CI and p-value. */
  difference: { mean: number; ci95: [number, number]; pValue: number } | null;
  mcnemar: { onlyA: number; onlyB: number; statistic: number; pValue: number } | null;
  /** Examples present in one run but not scored in the other. */
  unpaired: number;
}

export function compareRuns(dirA: string, dirB: string, seed = 0): RunComparison {
  const a = loadScored(dirA);
  const b = loadScored(dirB);
  const pairs: [ExampleRecord, ExampleRecord][] = [];
  for (const [index, recordA] of a) {
    const recordB = b.get(index);
    if (!recordB) continue;
    if (recordA.gold !== recordB.gold) {
      throw new InputError(`example ${index} has gold "${recordA.gold}" in one run and "${recordB.gold}" in the other: these runs are not on the same examples`);
    }
    pairs.push([recordA, recordB]);
  }
  const unpaired = a.size + b.size - 2 * pairs.length;
  if (!pairs.length) {
    return { runA: dirA, runB: dirB, paired: 0, accuracyA: null, accuracyB: null, difference: null, mcnemar: null, unpaired };
  }
  const correctA = pairs.map(([x]) => x.correct === true);
  const correctB = pairs.map(([, y]) => y.correct === true);
  const test = mcnemar(correctA, correctB);
  const bootstrap = pairedBootstrap(correctA.map(Number), correctB.map(Number), { seed });
  return {
    runA: dirA,
    runB: dirB,
    paired: pairs.length,
    accuracyA: mean(correctA.map(Number)),
    accuracyB: mean(correctB.map(Number)),
    difference: { mean: bootstrap.meanDiff, ci95: bootstrap.ci95, pValue: bootstrap.pValue },
    mcnemar: { onlyA: test.b, onlyB: test.c, statistic: test.statistic, pValue: test.pValue },
    unpaired,
  };
}

function loadScored(dir: string): Map<number, ExampleRecord> {
  const records = readRecords<ExampleRecord>(join(dir, RECORDS_FILE));
  if (!records.size) throw new InputError('no records found', { file: join(dir, RECORDS_FILE) });
  return new Map([...records].filter(([, record]) => !record.error && record.correct !== null));
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
