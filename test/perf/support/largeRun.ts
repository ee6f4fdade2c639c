/** An eval run folder of synthetic records, written in chunks: for the tests of paths that must not read it whole. */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** 2 KB outputs: 30,000 records make about 70 MB of records.jsonl. */
const FILLER = 'the model thought about it for a while and wrote this down '.repeat(34);

/** Example `index`'s record: every fourth wrong, costs cycling by three, tokens by seven. */
export function largeRunRecord(index: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const correct = index % 4 !== 0;
  return {
    index,
    id: `ex-${index}`,
    prompt: [{ role: 'user', content: `question ${index}` }],
    output: `${FILLER} answer ${correct ? 'yes' : 'no'}`,
    extracted: correct ? 'yes' : 'no',
    gold: 'yes',
    valid: true,
    correct,
    usage: { promptTokens: 10 + (index % 7), completionTokens: 20 },
    costUsd: 0.0001 * (index % 3),
    latencyMs: 5 + (index % 11),
    cached: index % 13 === 0,
    ...over,
  };
}

export function writeLargeRun(dir: string, records: Iterable<Record<string, unknown>>, examples: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ command: 'eval', identity: { examples: Array.from({ length: examples }, (_, i) => i), seed: 3, model: 'openai:m', split: 'test' } }),
  );
  const fd = openSync(join(dir, 'records.jsonl'), 'w');
  let chunk: string[] = [];
  for (const line of records) {
    chunk.push(JSON.stringify(line) + '\n');
    if (chunk.length === 1000) {
      writeSync(fd, chunk.join(''));
      chunk = [];
    }
  }
  writeSync(fd, chunk.join(''));
  closeSync(fd);
}
