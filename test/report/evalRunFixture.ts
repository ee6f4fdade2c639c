/** Run folders shaped exactly like `apprentice eval` writes them, built from hand-made records. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExampleRecord } from '../../src/eval/records.js';
import { summarizeRecords } from '../../src/eval/summary.js';
import { openRunDir, SUMMARY_FILE } from '../../src/runs/runDir.js';

export function record(index: number, overrides: Partial<ExampleRecord> = {}): ExampleRecord {
  return {
    index,
    id: `test-${index}`,
    prompt: [
      { role: 'system', content: 'Answer with a number.' },
      { role: 'user', content: `Question ${index}: how many?` },
    ],
    output: `The answer is ${index}.`,
    extracted: String(index),
    gold: String(index),
    valid: true,
    correct: true,
    usage: { promptTokens: 20, completionTokens: 5 },
    costUsd: 0.0001,
    latencyMs: 120,
    cached: false,
    ...overrides,
  };
}

export function writeEvalRun(records: ExampleRecord[], options: { model?: string; style?: string; shots?: number; total?: number; dir?: string } = {}): string {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'apprentice-report-run-'));
  const total = options.total ?? records.length;
  const identity = {
    dataset: 'jsonl:data/toy.jsonl',
    datasetOptions: {},
    split: 'test',
    examples: Array.from({ length: total }, (_, i) => i),
    model: options.model ?? 'openai:gpt-4o-mini',
    predictions: null,
    style: options.style ?? 'zero-shot',
    shots: options.shots ?? 0,
    scoring: 'generate',
    seed: 0,
  };
  const run = openRunDir<ExampleRecord>(dir, {
    identity,
    resolved: { command: 'eval', version: '0.1.0', task: { name: 'toy' }, config: { concurrency: 4 } },
  });
  for (const r of records) run.append(r);
  run.writeJson(SUMMARY_FILE, summarizeRecords(records, total, 0));
  return dir;
}
