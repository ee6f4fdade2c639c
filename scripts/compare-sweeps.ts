/**
 * Two `distill run` folders of the same students compared cell by cell: e.g. the same sweep with checkpoints
 * selected on validation loss and on held-out tasks (docs/distill.md). Cells are paired on method, fraction and
 * seed; the difference (second − first) gets a paired bootstrap over seeds and examples (src/eval/seedBootstrap.ts),
 * as `distill run` compares methods. Prints one line per seed (accuracy and the chosen step in each folder) and
 * the comparison per method and fraction.
 *
 *   npx tsx scripts/compare-sweeps.ts <first sweep folder> <second sweep folder>
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CellResult } from '../src/distill/sweep.js';
import { formatPoints } from '../src/distill/comparisons.js';
import { pairedSeedExampleBootstrap } from '../src/eval/seedBootstrap.js';

function cellsOf(sweep: string): CellResult[] {
  const root = join(sweep, 'cells');
  return readdirSync(root).flatMap((method) =>
    readdirSync(join(root, method)).flatMap((cell) => {
      try {
        return [JSON.parse(readFileSync(join(root, method, cell, 'result.json'), 'utf8')) as CellResult];
      } catch {
        return []; // an unfinished cell
      }
    }),
  );
}

const [firstDir, secondDir] = process.argv.slice(2);
if (!firstDir || !secondDir) throw new Error('usage: compare-sweeps.ts <first sweep folder> <second sweep folder>');
const first = cellsOf(firstDir);
const second = cellsOf(secondDir);
const key = (cell: CellResult) => `${cell.method} f=${cell.fraction}`;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

for (const group of [...new Set(first.map(key))].sort()) {
  const pairs = first
    .filter((cell) => key(cell) === group && !cell.skipped)
    .map((a) => [a, second.find((b) => key(b) === group && b.seed === a.seed && !b.skipped)] as const)
    .filter((pair): pair is readonly [CellResult, CellResult] => pair[1] !== undefined && pair[1].correctFlags.length === pair[0].correctFlags.length)
    .sort(([a], [b]) => a.seed - b.seed);
  if (!pairs.length) continue;
  console.log(`${group}: ${pairs.length} seeds paired`);
  for (const [a, b] of pairs) {
    console.log(
      `  seed ${a.seed}: ${pct(a.accuracy)} (step ${a.selection?.step ?? a.training.bestStep}) → ${pct(b.accuracy)} (step ${b.selection?.step ?? b.training.bestStep})`,
    );
  }
  const result = pairedSeedExampleBootstrap(
    pairs.map(([a]) => a.correctFlags),
    pairs.map(([, b]) => b.correctFlags),
    { seed: `compare-sweeps:${group}` },
  );
  const mean = (cells: CellResult[]) => cells.reduce((sum, cell) => sum + cell.accuracy, 0) / cells.length;
  console.log(
    `  mean ${pct(mean(pairs.map(([a]) => a)))} → ${pct(mean(pairs.map(([, b]) => b)))}; second − first: ${formatPoints(result.meanDiff, result.ci95)}, p = ${result.pValue.toFixed(3)}`,
  );
}
