/** Shared by the reliability regressions: a temp folder per test and an eval job config over a small JSONL dataset. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { EvalJobConfig } from '../../src/eval/job.js';

export function tempDirs(): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-rel-'));
    made.push(dir);
    return dir;
  };
}

export const jsonLines = (rows: unknown[]): string => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';

/** Two labelled reviews; `flipped` swaps the gold labels (so yesterday's right answers are now wrong). */
export function writeReviews(file: string, flipped = false): void {
  const [a, b] = flipped ? [0, 1] : [1, 0];
  writeFileSync(
    file,
    jsonLines([
      { text: 'great film', label: a },
      { text: 'dull and long', label: b },
    ]),
  );
}

export function evalConfig(dir: string, overrides: Partial<EvalJobConfig> = {}): EvalJobConfig {
  return {
    dataset: `jsonl:${join(dir, 'reviews.jsonl')}`,
    datasetOptions: { inputField: 'text', labelField: 'label', labels: ['negative', 'positive'] },
    split: 'test',
    seed: 0,
    style: 'zero-shot',
    shots: 0,
    demoSelection: 'random',
    demoSplit: 'train',
    embedder: 'tfidf',
    scoring: 'generate',
    maxTokens: 16,
    temperature: 0,
    targetLogprob: false,
    validationFraction: 0.1,
    concurrency: 2,
    runsRoot: join(dir, 'runs'),
    ...overrides,
  };
}
