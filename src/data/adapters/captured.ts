/**
 * `captured:<annotations dir>[#<digest>]`: the conversations `distill from-store` wrote into its folder
 * (dataset.jsonl), in the train / validation / test splits it gave them. Each line is
 * `{split, id, input, target, prompt}`: the target is the answer the captured model gave. The manifest names
 * the dataset with the digest of that file, so a changed file is refused instead of read silently.
 */
import { resolve, join } from 'node:path';
import { InputError } from '../../util/errors.js';
import { contentDigest } from '../digest.js';
import { parseJsonLines, readText } from '../readers.js';
import type { Dataset, Example, TaskDefinition } from '../types.js';

export const CAPTURED_TASK: TaskDefinition = {
  name: 'captured',
  description: 'Answer the conversation as the captured model did.',
  taskType: 'conversation',
  answer: { kind: 'free_text' },
};

export const CAPTURED_DATASET_FILE = 'dataset.jsonl';

/** One line of dataset.jsonl. */
export interface CapturedExample {
  split: string;
  id: string;
  input: string;
  target: string;
  /** The conversation as the client sent it: chat messages, or a completion prompt. */
  prompt: unknown;
}

/** The dataset spec naming a from-store folder and the content of its dataset file. */
export function capturedDatasetSpec(dir: string, content: string): string {
  return `captured:${resolve(dir)}#${contentDigest(content)}`;
}

export async function loadCapturedDataset(path: string): Promise<Dataset> {
  const hash = path.lastIndexOf('#');
  const dir = resolve(hash >= 0 ? path.slice(0, hash) : path);
  const expected = hash >= 0 ? path.slice(hash + 1) : undefined;
  const file = join(dir, CAPTURED_DATASET_FILE);
  const text = await readText(file);
  const digest = contentDigest(text);
  if (expected !== undefined && expected !== digest) {
    throw new InputError(
      `the file changed since distill from-store wrote it (digest ${digest}, the manifest names ${expected}); run distill from-store again`,
      { file },
    );
  }
  const splits: Record<string, Example[]> = {};
  for (const { line, data } of parseJsonLines(text, file)) {
    for (const field of ['split', 'id', 'input', 'target'] as const) {
      if (typeof data[field] !== 'string') throw new InputError(`"${field}" must be a string`, { file, line, field });
    }
    const split = data.split as string;
    const examples = (splits[split] ??= []);
    examples.push({ index: examples.length, id: data.id as string, input: data.input as string, target: data.target as string, raw: { prompt: data.prompt } });
  }
  if (Object.keys(splits).length === 0) throw new InputError('no conversations', { file });
  return { task: CAPTURED_TASK, splits, source: `captured:${dir}#${digest}` };
}
