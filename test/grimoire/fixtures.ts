/** A small Grimoire-layout task written to a temp folder, so tests run without ../shared. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../src/util/random.js';

const POSITIVE = ['wonderful', 'moving', 'brilliant', 'charming', 'delightful', 'superb'];
const NEGATIVE = ['dull', 'tedious', 'clumsy', 'lifeless', 'boring', 'awful'];
const NOUNS = ['film', 'script', 'cast', 'story', 'ending', 'score', 'pacing', 'dialogue'];

export interface ToyTask {
  root: string;
  taskDir: string;
  dataset: string;
}

/** `Toy` sentiment task: "good"/"bad" sentences built from word lists, seeded. */
export function writeToyTask(options: { train?: number; test?: number; seed?: number } = {}): ToyTask {
  const root = mkdtempSync(join(tmpdir(), 'apprentice-grimoire-task-'));
  const taskDir = join(root, 'tasks', 'Toy');
  mkdirSync(taskDir, { recursive: true });
  writeFileSync(
    join(root, 'tasks', 'tasks.json'),
    JSON.stringify({
      Toy: {
        taskType: 'sentiment analysis',
        description: 'Please classify the sentiment of the sentence into good / bad.',
        inputField: 'text',
        labelField: 'ans_text',
        labels: ['good', 'bad'],
      },
    }),
  );
  const rng = createRng(options.seed ?? 1);
  const rows = (n: number) =>
    Array.from({ length: n }, (_, i) => {
      const good = i % 2 === 0;
      const words = good ? POSITIVE : NEGATIVE;
      const text = `the ${NOUNS[rng.int(NOUNS.length)]} is ${words[rng.int(words.length)]} and the ${NOUNS[rng.int(NOUNS.length)]} is ${words[rng.int(words.length)]}`;
      return { text, ans_text: good ? 'good' : 'bad' };
    });
  writeFileSync(join(taskDir, 'train.json'), JSON.stringify(rows(options.train ?? 80)));
  writeFileSync(join(taskDir, 'test.json'), JSON.stringify(rows(options.test ?? 30)));
  return { root, taskDir, dataset: `grimoire:${taskDir}` };
}

export const POSITIVE_WORDS = POSITIVE;

/** The question line of a weak-model prompt (the line after "Please answer:"). */
export function questionOf(prompt: string): string {
  const lines = prompt.split('\n');
  const at = lines.lastIndexOf('Please answer:');
  return at >= 0 ? (lines[at + 1] ?? '') : '';
}
