/** A small Grimoire-layout task written to a temp folder, so tests run without ../shared. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeGrimoire, writeManifest } from '../../src/grimoire/artifact.js';
import type { GrimoireArtifact, GrimoireManifest } from '../../src/grimoire/types.js';
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
  const rows = (n: number, split: string) =>
    Array.from({ length: n }, (_, i) => {
      const good = i % 2 === 0;
      const words = good ? POSITIVE : NEGATIVE;
      const text = `the ${NOUNS[rng.int(NOUNS.length)]} is ${words[rng.int(words.length)]} and the ${NOUNS[rng.int(NOUNS.length)]} is ${words[rng.int(words.length)]}`;
      // A number keeps every sentence distinct, so call counts are exact.
      return { text: `${text} (${split} ${i + 1})`, ans_text: good ? 'good' : 'bad' };
    });
  writeFileSync(join(taskDir, 'train.json'), JSON.stringify(rows(options.train ?? 80, 'review')));
  writeFileSync(join(taskDir, 'test.json'), JSON.stringify(rows(options.test ?? 30, 'test review')));
  return { root, taskDir, dataset: `grimoire:${taskDir}` };
}

export const POSITIVE_WORDS = POSITIVE;

/** The question line of a weak-model prompt (the line after "Please answer:"). */
export function questionOf(prompt: string): string {
  const lines = prompt.split('\n');
  const at = lines.lastIndexOf('Please answer:');
  return at >= 0 ? (lines[at + 1] ?? '') : '';
}

const gold = (q: string) => (POSITIVE_WORDS.some((w) => q.includes(w)) ? 'good' : 'bad');
const flip = (label: string) => (label === 'good' ? 'bad' : 'good');

/** Book A helps on film sentences only, book B on the others, book C says "good" always. */
export function weakModel(prompt: string): string {
  const q = questionOf(prompt);
  const film = q.includes('film');
  if (prompt.includes('RULES-A')) return `Answer: ${film ? gold(q) : flip(gold(q))}`;
  if (prompt.includes('RULES-B')) return `Answer: ${film ? flip(gold(q)) : gold(q)}.`;
  if (prompt.includes('RULES-C')) return 'Answer: Good';
  if (prompt.includes('labelled examples')) return gold(q);
  return 'I am not sure.';
}

/** A generated grimoire of task `task` with `text` (no samples, no cost), for sets written by hand. */
export function toyGrimoire(id: string, text: string, sampler: GrimoireArtifact['sampler']['name'], task = 'Toy'): GrimoireArtifact {
  return {
    format: 'apprentice.grimoire',
    version: 1,
    id,
    task,
    variant: 'profound',
    text,
    sampler: { name: sampler, k: 4, seed: 0 },
    samples: [],
    strongModel: 'test-writer',
    source: { kind: 'generated' },
    usage: { promptTokens: 0, completionTokens: 0, costUsd: 0, cached: false },
    createdAt: '1970-01-01T00:00:00.000Z',
  };
}

/** Writes `grimoires` and the manifest of a built set of task Toy, with the task's definition and embedder given. */
export function writeToyGrimoireSet(
  dir: string,
  grimoires: readonly GrimoireArtifact[],
  built: Pick<GrimoireManifest, 'definition' | 'embedder'> = { definition: null, embedder: null },
): void {
  for (const g of grimoires) writeGrimoire(dir, g);
  writeManifest(dir, {
    format: 'apprentice.grimoire-set',
    version: 1,
    task: 'Toy',
    definition: built.definition,
    dataset: null,
    strongModel: 'test-writer',
    weakModel: null,
    embedder: built.embedder,
    seed: 0,
    k: 4,
    validationIds: null,
    grimoires: grimoires.map((g) => ({ id: g.id, file: `${g.id}.json`, variant: g.variant, sampler: g.sampler.name })),
    failures: [],
    usage: { promptTokens: 0, completionTokens: 0, costUsd: 0 },
    createdAt: '1970-01-01T00:00:00.000Z',
    provenance: {},
  });
}

export function writeToySet(dir: string): void {
  writeToyGrimoireSet(dir, [
    toyGrimoire('a', 'RULES-A: read the adjectives of sentences about a film or its story.', 'kmeans'),
    toyGrimoire('b', 'RULES-B: read the adjectives of sentences about the cast, score, pacing or dialogue.', 'random'),
    toyGrimoire('c', 'RULES-C: when unsure, be generous.', 'zero'),
  ]);
}
