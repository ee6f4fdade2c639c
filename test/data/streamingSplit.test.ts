/**
 * A streamed `jsonl:` split: its digest equals the loaded dataset's, and a small file is read for the digest
 * only (its examples are kept), while a large one is read again when its examples are evaluated.
 */
import { describe, expect, it } from 'vitest';
import { datasetDigest } from '../../src/data/digest.js';
import { loadDataset } from '../../src/data/load.js';
import { KEEP_EXAMPLES_BELOW_BYTES, openStreamingSplit, type StreamingSplit } from '../../src/data/streamingSplit.js';
import type { Example } from '../../src/data/types.js';
import { jsonLines, tempFiles } from './tempFiles.js';

const files = tempFiles();
const OPTIONS = { labels: ['negative', 'positive'] };

const rows = (count: number, padding = '') =>
  Array.from({ length: count }, (_, index) => ({ text: `review ${index}${padding}`, label: index % 2 ? 'positive' : 'negative' }));

async function collect(split: StreamingSplit, limit?: number): Promise<Example[]> {
  const examples: Example[] = [];
  for await (const example of split.examples(limit)) examples.push(example);
  return examples;
}

async function open(path: string): Promise<StreamingSplit> {
  const split = await openStreamingSplit(`jsonl:${path}`, OPTIONS, 'test');
  expect(split).toBeDefined();
  return split!;
}

describe('a streamed jsonl split', () => {
  it('has the digest and the examples of the same file loaded whole', async () => {
    const path = files.write('same.jsonl', jsonLines(rows(5)));
    const split = await open(path);
    const loaded = await loadDataset(`jsonl:${path}`, OPTIONS);
    expect(split.digest).toBe(datasetDigest(loaded));
    expect(split.size).toBe(5);
    expect(await collect(split)).toEqual(loaded.splits.test);
    expect(await collect(split, 2)).toEqual(loaded.splits.test!.slice(0, 2));
  });

  it('keeps a small file’s examples from the digest pass: evaluating them does not read the file again', async () => {
    const path = files.write('small.jsonl', jsonLines(rows(3)));
    const split = await open(path);
    files.write('small.jsonl', jsonLines(rows(3, ' (edited)')));
    expect((await collect(split)).map((example) => example.input)).toEqual(['review 0', 'review 1', 'review 2']);
  });

  it('reads a file above the threshold again when its examples are evaluated (memory stays bounded)', async () => {
    const padding = ' '.repeat(1000);
    const count = Math.ceil(KEEP_EXAMPLES_BELOW_BYTES / 1000) + 10;
    const path = files.write('large.jsonl', jsonLines(rows(count, padding)));
    const split = await open(path);
    // Several 1 MB chunks: the same size and digest as the file loaded whole.
    expect(split.size).toBe(count);
    expect(split.digest).toBe(datasetDigest(await loadDataset(`jsonl:${path}`, OPTIONS)));
    files.write('large.jsonl', jsonLines(rows(count, padding + '!')));
    const [first] = await collect(split, 1);
    expect(first!.input.endsWith('!')).toBe(true);
    const limited = await collect(split, count - 3);
    expect(limited.map((example) => example.index)).toEqual(Array.from({ length: count - 3 }, (_, index) => index));
  });
});
