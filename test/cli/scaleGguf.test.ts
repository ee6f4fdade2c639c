/**
 * `apprentice scale run` on tiny GGUF models the test writes itself: sizes counted from the files'
 * tensor shapes, the multiple-choice grade (log-prob ranking of the labels) and mean log P(target)
 * from llama.cpp's exact log-probabilities.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ggufParameterCount } from '../../src/scaling/modelFamily.js';
import { lastJson, runCli } from '../support/runCli.js';
import { writeTinyGguf, type TinyModel } from '../support/tinyGguf.js';

interface Row {
  model: string;
  params: number;
  task: string;
  metric: string;
  score: number;
  labels?: number;
  random?: number;
  max?: number;
  n?: number;
}

describe('apprentice scale run on tiny GGUF models', () => {
  const tiny: TinyModel[] = [];
  let root = '';
  const files: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'apprentice-scale-gguf-'));
    tiny.push(await writeTinyGguf({ dim: 32, hiddenDim: 64, seed: 1 }), await writeTinyGguf({ dim: 64, hiddenDim: 128, seed: 2 }));
    for (const [i, model] of tiny.entries()) {
      const file = join(root, `${['narrow', 'wide'][i]}.gguf`);
      copyFileSync(model.path, file);
      files.push(file);
    }
    const data = join(root, 'yesno');
    mkdirSync(data);
    const rows = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => JSON.stringify({ text: `Tom has ${i + offset} apples.`, label: (i + offset) % 2 ? 'yes' : 'no' })).join('\n') + '\n';
    writeFileSync(join(data, 'train.jsonl'), rows(4, 0));
    writeFileSync(join(data, 'test.jsonl'), rows(6, 10));
  });
  afterAll(async () => {
    for (const model of tiny) await model.cleanup();
  });

  it('counts parameters from the GGUF header', async () => {
    for (const [i, model] of tiny.entries()) {
      const expected = [...model.weights.values()].reduce((sum, weights) => sum + weights.length, 0);
      expect(await ggufParameterCount(files[i] as string)).toBe(expected);
    }
  });

  it('writes accuracy, multiple-choice grade and log P(target) rows for models that give log-probs', async () => {
    const out = join(root, 'out');
    const result = await runCli([
      'scale',
      'run',
      '--models',
      files.map((file) => `gguf:${file}`).join(',') + ',openai:given@http://127.0.0.1:9/v1=5e5',
      '--dataset',
      `jsonl:${join(root, 'yesno')}`,
      '--input-field',
      'text',
      '--label-field',
      'label',
      '--answer-type',
      'label',
      '--task-description',
      'Say yes or no.',
      '--prompting',
      'direct,cot',
      '--max-tokens',
      '4',
      '--retries',
      '0',
      '--timeout',
      '2',
      '--out',
      out,
      '--json',
    ]);
    // The third model's server does not exist: its calls fail, are counted as errors, and the exit code says so.
    expect(result.code, result.stderr).toBe(3);
    const output = lastJson<{ rows: Row[]; models: { name: string; params: number; paramsSource: string }[]; notes: string[] }>(result);
    expect(output.models.map((m) => [m.name, m.paramsSource])).toEqual([
      ['narrow', 'gguf'],
      ['wide', 'gguf'],
      ['given', 'given'],
    ]);
    expect(output.models[0]!.params).toBeLessThan(output.models[1]!.params);

    for (const name of ['narrow', 'wide']) {
      const mine = output.rows.filter((row) => row.model === name);
      expect(mine.map((row) => row.metric).sort()).toEqual(['accuracy (direct)', 'logP(target) (direct)', 'mc-grade (direct)']);
      const grade = mine.find((row) => row.metric === 'mc-grade (direct)')!;
      expect(grade).toMatchObject({ labels: 2, max: 1, n: 6 });
      const logp = mine.find((row) => row.metric === 'logP(target) (direct)')!;
      expect(logp.score).toBeLessThan(0);
      expect(logp.max).toBe(0);
    }
    // Every model of a task/metric shares one baseline: the family's lowest mean log P.
    const logps = output.rows.filter((row) => row.metric === 'logP(target) (direct)');
    expect(new Set(logps.map((row) => row.random)).size).toBe(1);
    expect(logps[0]!.random).toBe(Math.min(...logps.map((row) => row.score)));
    expect(output.rows.some((row) => row.model === 'given')).toBe(false);
    expect(output.notes.join('\n')).toMatch(/given .*failed call/);
    // No rationales to demonstrate: chain of thought is skipped with a note, not failed.
    expect(output.notes.join('\n')).toMatch(/no chain-of-thought \(cot\) rows: 4 of 4 examples of split "train" have no rationale/);
  }, 60_000);
});
