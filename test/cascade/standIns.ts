/**
 * A cascade task with stand-in models on loopback OpenAI-compatible servers: sums "What is a + b?"; the teacher
 * is always right; the student is right on about 70% of questions and its token log-probabilities are
 * informative but imperfect (it sounds sure on most answers it gets right and unsure on most it gets wrong,
 * with exceptions both ways), as a small model's are.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';

/** The fake server gives 7-letter tokens log-probability -0.05 and 6-letter ones -0.65. */
const SURE = 'certain certain certain';
const UNSURE = 'maybe? maybe? maybe?';

function question(text: string): { a: number; b: number } | null {
  const matches = [...text.matchAll(/What is (\d+) \+ (\d+)\?/g)];
  const last = matches.at(-1);
  return last ? { a: Number(last[1]), b: Number(last[2]) } : null;
}

/** 0-9, fixed per question: below 7 the student is right; 0 and 9 are where its confidence misleads. */
export function difficulty(a: number, b: number): number {
  return (a * 7 + b * 13) % 10;
}

export function studentSays(a: number, b: number): string {
  const d = difficulty(a, b);
  const right = d < 7;
  const sure = right ? d !== 0 : d === 9;
  return `${sure ? SURE : UNSURE} The answer is ${right ? a + b : a + b + 1}.`;
}

export async function startStandIns(): Promise<{ student: FakeOpenAIServer; teacher: FakeOpenAIServer; close(): Promise<void> }> {
  const student = await startFakeOpenAIServer({
    thread: false,
    answer: (message) => {
      const q = question(message);
      return q ? studentSays(q.a, q.b) : 'I do not know.';
    },
  });
  const teacher = await startFakeOpenAIServer({
    thread: false,
    answer: (message) => {
      const q = question(message);
      return q ? `The answer is ${q.a + q.b}.` : 'I do not know.';
    },
  });
  return { student, teacher, close: async () => void (await Promise.all([student.close(), teacher.close()])) };
}

/** train / validation / test JSONL files of distinct sums, read with --input-field question --label-field answer. */
export function writeSumsDataset(dir: string, sizes: { train: number; validation: number; test: number }): string {
  mkdirSync(dir, { recursive: true });
  let next = 0;
  for (const [split, size] of Object.entries(sizes)) {
    const lines: string[] = [];
    for (let i = 0; i < size; i++, next++) {
      const a = 3 + ((next * 37) % 89);
      const b = 5 + ((next * 53) % 97) + Math.floor(next / 89);
      lines.push(JSON.stringify({ question: `What is ${a} + ${b}?`, answer: String(a + b) }));
    }
    writeFileSync(join(dir, `${split}.jsonl`), lines.join('\n') + '\n');
  }
  return `jsonl:${dir}`;
}
