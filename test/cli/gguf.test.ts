/**
 * The CLI with a local GGUF model that the test writes itself: `generate`, and `eval` with
 * log-probability scoring, target log-probabilities and nearest-neighbour few-shot demos.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJson, runCli } from '../support/runCli.js';
import { writeTinyGguf, type TinyModel } from '../support/tinyGguf.js';

let tiny: TinyModel;
beforeAll(async () => {
  tiny = await writeTinyGguf();
});
afterAll(async () => {
  await tiny?.cleanup();
});

describe('apprentice with a gguf: model', () => {
  it('generate prints the same greedy completion twice', async () => {
    const args = ['generate', '--model', `gguf:${tiny.path}`, '--prompt', 'The quick brown', '--max-tokens', '8', '--json'];
    const first = await runCli(args);
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(args);
    const a = lastJsonPretty(first.stdout);
    expect(a.completions[0]!.text).toBe(lastJsonPretty(second.stdout).completions[0]!.text);
    expect(a.usage.completionTokens).toBeGreaterThan(0);
    expect(a.usage.completionTokens).toBeLessThanOrEqual(8);
  });

  it('eval ranks the labels by log-probability and records log P(gold) for every example', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-gguf-'));
    const train = join(dir, 'train.jsonl');
    const test = join(dir, 'test.jsonl');
    const rows = (texts: string[]) => texts.map((text, i) => JSON.stringify({ text, label: i % 2 })).join('\n') + '\n';
    writeFileSync(train, rows(['the fox is quick', 'the dog is lazy', 'apples for Anna', 'pencils at the store', 'a train travels']));
    writeFileSync(test, rows(['the quick fox', 'a lazy dog', 'Tom has apples']));
    const result = await runCli([
      'eval',
      '--dataset',
      `jsonl:${test}`,
      '--input-field',
      'text',
      '--label-field',
      'label',
      '--labels',
      'no,yes',
      '--split',
      'test',
      '--model',
      `gguf:${tiny.path}`,
      '--scoring',
      'logprob',
      '--target-logprob',
      '--json',
      '--no-progress',
      '--runs',
      dir,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const summary = lastJson<{ n: number; scored: number; errors: number; runDir: string; metrics: Record<string, { n: number; mean: number }> }>(result);
    expect(summary).toMatchObject({ n: 3, scored: 3, errors: 0 });
    expect(summary.metrics.targetLogprob?.n).toBe(3);
    expect(summary.metrics.targetLogprob!.mean).toBeLessThan(0);
    const records = readFileSync(join(summary.runDir, 'records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    for (const record of records) {
      expect(record.scores.optionLogprobs).toHaveLength(2);
      expect(record.extracted).toBe(record.scores.optionLogprobs[0] > record.scores.optionLogprobs[1] ? 'no' : 'yes');
    }

    // Batched over 3 llama.cpp sequences: the same answers and log-probabilities.
    const batchedDir = mkdtempSync(join(tmpdir(), 'apprentice-gguf-batched-'));
    const batched = await runCli([
      'eval',
      '--dataset',
      `jsonl:${test}`,
      '--input-field',
      'text',
      '--label-field',
      'label',
      '--labels',
      'no,yes',
      '--split',
      'test',
      '--model',
      `gguf:${tiny.path}`,
      '--scoring',
      'logprob',
      '--target-logprob',
      '--parallel',
      '3',
      '--json',
      '--no-progress',
      '--runs',
      batchedDir,
    ]);
    expect(batched.code, batched.stderr).toBe(0);
    const batchedRecords = readFileSync(join(lastJson<{ runDir: string }>(batched).runDir, 'records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    // Records are written as calls finish, so batched runs may write them in another order.
    const sequentialById = new Map(records.map((r) => [r.id, r]));
    expect(batchedRecords.map((r) => r.id).sort()).toEqual([...sequentialById.keys()].sort());
    for (const record of batchedRecords) {
      const sequential = sequentialById.get(record.id);
      expect(record.extracted).toBe(sequential.extracted);
      expect(record.scores.targetLogprob).toBeCloseTo(sequential.scores.targetLogprob, 4);
      record.scores.optionLogprobs.forEach((value: number, k: number) => expect(value).toBeCloseTo(sequential.scores.optionLogprobs[k], 4));
    }
  });

  it('eval with nearest-neighbour demos takes them from train, the nearest last, never from the evaluated split', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-gguf-'));
    const write = (name: string, texts: string[]) =>
      writeFileSync(join(dir, name), texts.map((text, i) => JSON.stringify({ text, label: i % 2 })).join('\n') + '\n');
    const trainTexts = ['the fox is quick', 'the dog is lazy', 'apples for Anna', 'pencils at the store', 'a train travels'];
    write('train.jsonl', trainTexts);
    write('test.jsonl', ['the quick fox jumps', 'Anna buys apples']);
    const result = await runCli([
      'eval',
      '--dataset',
      `jsonl:${dir}`,
      '--input-field',
      'text',
      '--label-field',
      'label',
      '--labels',
      'no,yes',
      '--split',
      'test',
      '--prompt-style',
      'few-shot',
      '--shots',
      '2',
      '--demos',
      'nearest',
      '--model',
      `gguf:${tiny.path}`,
      '--max-tokens',
      '4',
      '--json',
      '--no-progress',
      '--runs',
      join(dir, 'runs'),
    ]);
    expect(result.code, result.stderr).toBe(0);
    const summary = lastJson<{ n: number; errors: number; runDir: string }>(result);
    expect(summary).toMatchObject({ n: 2, errors: 0 });
    const records = readFileSync(join(summary.runDir, 'records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const nearestDemo = { 0: 'the fox is quick', 1: 'apples for Anna' } as Record<number, string>;
    for (const record of records) {
      const prompt = record.prompt.map((m: { content: string }) => m.content).join('\n');
      const shown = [...prompt.matchAll(/Question: (.*)/g)].map((match) => match[1]);
      expect(shown).toHaveLength(3);
      expect(trainTexts).toContain(shown[0]);
      expect(shown[1]).toBe(nearestDemo[record.index]);
    }
  });
});

/** `generate --json` pretty-prints the whole response object. */
function lastJsonPretty(stdout: string) {
  return JSON.parse(stdout) as { completions: { text: string }[]; usage: { completionTokens: number } };
}
