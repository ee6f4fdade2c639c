/** Item 9 of issue 16: bad input gets a clear error naming where, never a silent fallback. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { runEvalJob } from '../../src/eval/job.js';
import { ModelHub } from '../../src/models/hub.js';
import { InputError } from '../../src/util/errors.js';
import { evalConfig, jsonLines, tempDirs, writeReviews } from './helpers.js';

const newDir = tempDirs();

async function evalWith(dir: string, overrides: Parameters<typeof evalConfig>[1] = {}) {
  const hub = new ModelHub({ cachePath: 'none' });
  try {
    return await runEvalJob(evalConfig(dir, { predictions: join(dir, 'predictions.jsonl'), ...overrides }), hub);
  } finally {
    await hub.close();
  }
}

describe('bad input corpus', () => {
  it('an empty label list is refused, not read as free text', async () => {
    const dir = newDir();
    writeReviews(join(dir, 'reviews.jsonl'));
    await expect(loadDataset(`jsonl:${join(dir, 'reviews.jsonl')}`, { inputField: 'text', labelField: 'label', labels: [] })).rejects.toThrow(
      /field "labels": the label list is empty/,
    );
  });

  it('invalid UTF-8 in a dataset names the file, line and byte', async () => {
    const dir = newDir();
    const file = join(dir, 'reviews.jsonl');
    writeFileSync(file, Buffer.concat([Buffer.from('{"text":"fine","label":1}\n{"text":"caf'), Buffer.from([0xe9]), Buffer.from('","label":0}\n')]));
    await expect(loadDataset(`jsonl:${file}`, { inputField: 'text', labelField: 'label', labels: ['negative', 'positive'] })).rejects.toThrow(
      `${file}:2: not valid UTF-8 at byte 38 (0xe9)`,
    );
  });

  it('invalid UTF-8 in a predictions file names the file and line', async () => {
    const dir = newDir();
    writeReviews(join(dir, 'reviews.jsonl'));
    writeFileSync(
      join(dir, 'predictions.jsonl'),
      Buffer.concat([Buffer.from('{"index":0,"output":"positive"}\n{"index":1,"output":"n'), Buffer.from([0xff]), Buffer.from('"}\n')]),
    );
    await expect(evalWith(dir)).rejects.toThrow(`${join(dir, 'predictions.jsonl')}:2: not valid UTF-8`);
  });

  it('a duplicate prediction index is refused, naming both lines', async () => {
    const dir = newDir();
    writeReviews(join(dir, 'reviews.jsonl'));
    writeFileSync(join(dir, 'predictions.jsonl'), '{"index":0,"output":"positive"}\n{"index":1,"output":"negative"}\n{"index":0,"output":"negative"}\n');
    await expect(evalWith(dir)).rejects.toThrow(`${join(dir, 'predictions.jsonl')}:3, field "index": index 0 appears twice (first on line 1)`);
  });

  it('an example larger than any model context is refused before any call, naming it', async () => {
    const dir = newDir();
    writeFileSync(
      join(dir, 'reviews.jsonl'),
      jsonLines([
        { text: 'short', label: 1 },
        { text: 'x'.repeat(9_000_000), label: 0 },
      ]),
    );
    writeFileSync(join(dir, 'predictions.jsonl'), '{"index":0,"output":"positive"}\n{"index":1,"output":"negative"}\n');
    const run = evalWith(dir);
    await expect(run).rejects.toThrow(InputError);
    await expect(evalWith(dir)).rejects.toThrow(/example 1 \(id test-1\) .* about 2,250,000 tokens .*more than any model's context/);
  });
});
