/**
 * A synthetic eval run folder of any size (config.json + records.jsonl of chain-of-thought-sized records, written in
 * the interleaved order concurrent workers append in), for the scale benches of `report` and the dashboard. Writing
 * a million records takes a while, so a folder can be kept and reused: a marker file written last says the folder
 * is complete and with which parameters.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const COMPLETE_MARKER = '.synthetic-run.json';

/** Example `i`'s record: every fourth wrong, the output `outputChars` long. */
function syntheticRecord(i: number, filler: string): string {
  const correct = i % 4 !== 0;
  return JSON.stringify({
    index: i,
    id: `ex-${i}`,
    prompt: [{ role: 'user', content: `Question ${i}: how many?` }],
    output: `${filler} The answer is ${correct ? 7 : 8}.`,
    extracted: correct ? '7' : '8',
    gold: '7',
    valid: true,
    correct,
    usage: { promptTokens: 40, completionTokens: 60 + (i % 7) },
    costUsd: 0.00002 * (1 + (i % 3)),
    latencyMs: 100 + (i % 50),
    cached: false,
  });
}

/** Writes the run of `n` records into `dir` (replacing what is there). */
export function writeSyntheticEvalRun(dir: string, n: number, outputChars: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      command: 'eval',
      identity: { examples: Array.from({ length: n }, (_, i) => i), seed: 1, model: 'openai:m', split: 'test', style: 'cot' },
    }),
  );
  const filler = 'step by step, the numbers add up as follows. '.repeat(Math.ceil(outputChars / 46)).slice(0, outputChars);
  const fd = openSync(join(dir, 'records.jsonl'), 'w');
  let chunk: string[] = [];
  for (let k = 0; k < n; k++) {
    // Pairs swapped (1, 0, 3, 2, ...): not in index order, as concurrent workers append.
    const i = (k ^ 1) < n ? k ^ 1 : k;
    chunk.push(syntheticRecord(i, filler) + '\n');
    if (chunk.length === 2000) {
      writeSync(fd, chunk.join(''));
      chunk = [];
    }
  }
  writeSync(fd, chunk.join(''));
  closeSync(fd);
  writeFileSync(join(dir, COMPLETE_MARKER), JSON.stringify({ n, outputChars }));
}

/** The run of `n` records in `dir`: reused when a complete one with the same parameters is there, else written. Says which. */
export function syntheticEvalRun(dir: string, n: number, outputChars: number): { reused: boolean } {
  const marker = join(dir, COMPLETE_MARKER);
  if (existsSync(marker)) {
    const made = JSON.parse(readFileSync(marker, 'utf8')) as { n: number; outputChars: number };
    if (made.n === n && made.outputChars === outputChars) return { reused: true };
  }
  writeSyntheticEvalRun(dir, n, outputChars);
  return { reused: false };
}
