/** Evaluation run folders written for the dashboard's tests: config.json and `n` records, two thirds correct. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeDashboardRun(root: string, name: string, n: number): void {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ command: 'eval', identity: { dataset: `${name}.jsonl`, split: 'test', model: 'openai:m' } }));
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const output = i % 3 === 0 ? 'no' : 'yes';
    lines.push(
      JSON.stringify({
        index: i,
        prompt: `question ${i}`,
        output,
        extracted: output,
        gold: 'yes',
        valid: true,
        correct: output === 'yes',
        usage: {},
        costUsd: 0,
      }),
    );
  }
  writeFileSync(join(dir, 'records.jsonl'), lines.join('\n') + '\n');
}
