/**
 * Run folders for the dashboard tests, made with the real CLI: PaLM 540B's recorded answers on SVAMP
 * (the bundled example) scored with `apprentice eval --predictions`, a spoiled copy of them, and a
 * scaling analysis from `apprentice scale analyze --out`.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastJson, PROJECT_ROOT, runCli } from '../support/runCli.js';

export interface DashboardRuns {
  root: string;
  /** Run folders (absolute) of the recorded PaLM answers and of their spoiled copy. */
  palm: string;
  spoiled: string;
}

/** Examples 0-29 get a wrong number, 30-39 an answer with no number (invalid). */
export const SPOILED_WRONG = 30;
export const SPOILED_INVALID = 10;

export async function makeDashboardRuns(): Promise<DashboardRuns> {
  const root = mkdtempSync(join(tmpdir(), 'apprentice-ui-'));
  const runs = join(root, 'runs');
  const example = join(PROJECT_ROOT, 'examples', 'svamp-palm');
  const recorded = join(example, 'palm-540b-cot.predictions.jsonl');
  const evalArgs = (predictions: string, into: string) => [
    'eval',
    '--dataset',
    `svamp:${example}`,
    '--split',
    'test',
    '--predictions',
    predictions,
    '--runs',
    into,
    '--json',
    '--no-progress',
  ];
  const a = await runCli(evalArgs(recorded, runs));
  if (a.code !== 0) throw new Error(a.stderr);
  const palm = lastJson<{ runDir: string }>(a).runDir;

  const original = readFileSync(recorded, 'utf8').trim().split('\n');
  const spoiled = original.map((line, i) => {
    if (i < SPOILED_WRONG) return JSON.stringify({ index: i, output: 'The answer is (123456).' });
    if (i < SPOILED_WRONG + SPOILED_INVALID) return JSON.stringify({ index: i, output: 'I cannot tell.' });
    return line;
  });
  const predictions = join(root, 'spoiled.jsonl');
  writeFileSync(predictions, spoiled.join('\n') + '\n');
  const b = await runCli(evalArgs(predictions, join(runs, 'ablations')));
  if (b.code !== 0) throw new Error(b.stderr);

  const rows = join(root, 'rows.csv');
  writeFileSync(
    rows,
    [
      'model,params,task,metric,score,n,ci_low,ci_high,labels',
      'tiny,1.2e8,arithmetic,accuracy,0.26,400,0.22,0.30,4',
      'small,1e9,arithmetic,accuracy,0.31,400,0.27,0.36,4',
      'medium,8e9,arithmetic,accuracy,0.52,400,0.47,0.57,4',
      'large,7e10,arithmetic,accuracy,0.81,400,0.77,0.85,4',
      'tiny,1.2e8,sentiment,accuracy,0.61,400,0.56,0.66,2',
      'small,1e9,sentiment,accuracy,0.74,400,0.70,0.78,2',
      'medium,8e9,sentiment,accuracy,0.86,400,0.83,0.89,2',
      'large,7e10,sentiment,accuracy,0.93,400,0.90,0.95,2',
    ].join('\n') + '\n',
  );
  mkdirSync(join(runs, 'scaling'), { recursive: true });
  const analyzed = await runCli(['scale', 'analyze', rows, '--out', join(runs, 'scaling')]);
  if (analyzed.code !== 0) throw new Error(analyzed.stderr);
  return { root: runs, palm, spoiled: lastJson<{ runDir: string }>(b).runDir };
}
