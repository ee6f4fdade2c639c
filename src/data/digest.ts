/**
 * Digests of what a run was computed from. A resumable folder's identity holds them, so an edited
 * dataset or predictions file starts a new run instead of silently reusing records scored against
 * the old content.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../util/canonicalJson.js';
import type { Dataset } from './types.js';

/** 16 hex of the SHA-256 of the dataset as loaded: its task and every split's examples, in order. */
export function datasetDigest(dataset: Dataset): string {
  const hash = createHash('sha256');
  hash.update(canonicalJson(dataset.task));
  for (const name of Object.keys(dataset.splits).sort()) {
    hash.update(`\n#${name}\n`);
    for (const example of dataset.splits[name] ?? []) hash.update(canonicalJson(example) + '\n');
  }
  return hash.digest('hex').slice(0, 16);
}

/** 16 hex of the SHA-256 of a file's bytes (or text) as read. */
export function contentDigest(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}
