/**
 * Resuming a streamed evaluation: an earlier record is reused only when it is the last for its index, did not
 * fail, and answered the same example id (compared through a 32-bit hash of the id, not the id itself).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/types.js';
import type { ExampleRecord } from '../../src/eval/records.js';
import { runExampleStream } from '../../src/eval/runner.js';
import { openRunDir } from '../../src/runs/runDir.js';

const IDENTITY = { command: 'eval', test: 'runExampleStream' };

function example(index: number, id = `ex-${index}`): Example {
  return { index, id, input: `question ${index}`, target: 'yes', raw: {} };
}

function record(index: number, id: string, over: Partial<ExampleRecord> = {}): ExampleRecord {
  return {
    index,
    id,
    prompt: null,
    output: 'yes',
    extracted: 'yes',
    gold: 'yes',
    valid: true,
    correct: true,
    usage: { promptTokens: 1, completionTokens: 1 },
    costUsd: 0,
    latencyMs: 1,
    cached: false,
    ...over,
  };
}

async function* stream(examples: Example[]): AsyncIterable<Example> {
  yield* examples;
}

describe('runExampleStream resume', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('reuses only the last, successful record that answered the same id; everything else is evaluated again', async () => {
    root = mkdtempSync(join(tmpdir(), 'apprentice-run-stream-'));
    const dir = join(root, 'run');
    const earlier = [
      record(0, 'ex-0'),
      record(1, 'ex-1-before-the-edit'), // another example now stands at index 1
      record(2, 'ex-2', { error: { kind: 'server', message: 'x' }, correct: null }),
      record(3, 'ex-3', { error: { kind: 'server', message: 'x' }, correct: null }),
      record(3, 'ex-3'), // a later line for an index replaces the failed one
      record(4, 'ex-4'),
      record(4, 'ex-4', { error: { kind: 'timeout', message: 'x' }, correct: null }), // ... and a later failure replaces a success
    ];
    const first = openRunDir<ExampleRecord>(dir, { identity: IDENTITY, resolved: {} });
    for (const r of earlier) first.append(r);
    first.release();

    const runDir = openRunDir<ExampleRecord>(dir, { identity: IDENTITY, resolved: {}, streamExisting: true });
    const evaluated: string[] = [];
    try {
      const result = await runExampleStream({
        examples: stream([0, 1, 2, 3, 4, 5].map((i) => example(i))),
        total: 6,
        runDir,
        concurrency: 2,
        showProgress: false,
        evaluate: async (ex) => {
          evaluated.push(ex.id);
          return record(ex.index, ex.id);
        },
      });
      expect(evaluated.sort()).toEqual(['ex-1', 'ex-2', 'ex-4', 'ex-5']);
      expect(result).toMatchObject({ evaluatedNow: 4, reused: 2 });
      expect(result.columns.summary(6, 0)).toMatchObject({ n: 6, scored: 6, correct: 6, missing: 0 });
    } finally {
      runDir.release();
    }
  });
});
