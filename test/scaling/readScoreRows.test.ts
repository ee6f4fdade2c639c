/** Score-row files: CSV and JSON read alike; every error names file, line and field. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readScoreRows } from '../../src/scaling/readScoreRows.js';
import { writeScoreRows } from '../../src/scaling/writeScoreRows.js';
import { InputError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'apprentice-scaling-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function inputError(path: string): Promise<InputError> {
  const error = await readScoreRows(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('readScoreRows', () => {
  it('reads CSV with optional columns left empty, and size suffixes', async () => {
    const path = file('ok.csv', 'model,params,task,metric,score,labels,params_estimated\nA,7B,t,acc,0.5,4,\nB,1.3e9,t,acc,0.4,4,true\n');
    expect(await readScoreRows(path)).toEqual([
      { model: 'A', params: 7e9, task: 't', metric: 'acc', score: 0.5, labels: 4 },
      { model: 'B', params: 1.3e9, task: 't', metric: 'acc', score: 0.4, labels: 4, paramsEstimated: true },
    ]);
  });

  it('round-trips what writeScoreRows writes, in CSV and JSON', async () => {
    const rows = [
      {
        model: 'x, "quoted"',
        params: 2.7e9,
        task: 'T',
        metric: 'zero-shot accuracy',
        score: 0.25,
        n: 4,
        cutOutputs: 3,
        ciLow: 0.05,
        ciHigh: 0.7,
        max: 1,
        labels: 2,
      },
      { model: 'y', params: 175e9, paramsEstimated: true, task: 'T', metric: 'zero-shot accuracy', score: 0.75, n: 4, max: 1, labels: 2 },
    ];
    for (const name of ['rows.csv', 'rows.json']) {
      await writeScoreRows(join(dir, name), rows);
      expect(await readScoreRows(join(dir, name))).toEqual(rows);
    }
  });

  it('names file, line and field of a bad score in CSV', async () => {
    const path = file('bad-score.csv', 'model,params,task,metric,score\nA,7B,t,acc,0.5\n\nB,13B,t,acc,high\n');
    const error = await inputError(path);
    expect(error).toMatchObject({ file: path, line: 4, field: 'score' });
    expect(error.message).toBe(`${path}:4, field "score": must be a number`);
  });

  it('names a missing field and a bad parameter count in JSON', async () => {
    const missing = file('missing.json', '[\n  {"model": "A", "params": 7e9, "task": "t", "score": 0.5}\n]\n');
    expect(await inputError(missing)).toMatchObject({ file: missing, line: 2, field: 'metric' });
    expect((await inputError(missing)).message).toMatch(/is missing/);
    const params = file(
      'params.json',
      '[{"model": "A", "params": 7e9, "task": "t", "metric": "m", "score": 0.5},\n {"model": "B", "params": "seven", "task": "t", "metric": "m", "score": 0.5}]',
    );
    expect(await inputError(params)).toMatchObject({ line: 2, field: 'params' });
    const negative = file('negative.jsonl', '{"model": "A", "params": -1, "task": "t", "metric": "m", "score": 0.5}\n');
    expect(await inputError(negative)).toMatchObject({ line: 1, field: 'params' });
    const cut = file('cut.csv', 'model,params,task,metric,score,cut_outputs\nA,7B,t,acc,0.5,0\nB,13B,t,acc,0.6,-2\n');
    expect(await inputError(cut)).toMatchObject({ line: 3, field: 'cut_outputs' });
  });

  it('rejects NaN scores, duplicate models and disagreeing baselines', async () => {
    const nan = file('nan.csv', 'model,params,task,metric,score\nA,7B,t,acc,NaN\n');
    expect(await inputError(nan)).toMatchObject({ line: 2, field: 'score' });
    const dup = file('dup.csv', 'model,params,task,metric,score\nA,7B,t,acc,0.5\nA,7B,t,acc,0.6\n');
    const dupError = await inputError(dup);
    expect(dupError).toMatchObject({ line: 3, field: 'model' });
    expect(dupError.message).toMatch(/line 2/);
    const baseline = file('baseline.csv', 'model,params,task,metric,score,labels\nA,7B,t,acc,0.5,4\nB,13B,t,acc,0.6,5\n');
    expect(await inputError(baseline)).toMatchObject({ line: 3, field: 'labels' });
  });

  it('refuses an unknown extension and an empty file', async () => {
    expect(await inputError(file('rows.txt', 'x'))).toMatchObject({ field: undefined });
    expect((await inputError(file('empty.csv', 'model,params,task,metric,score\n'))).message).toMatch(/no score rows/);
  });
});
