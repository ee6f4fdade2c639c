/**
 * Digests of what a run was computed from. A resumable folder's identity holds them, so an edited
 * dataset or predictions file starts a new run instead of silently reusing records scored against
 * the old content.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../util/canonicalJson.js';
import type { Dataset, Example, TaskDefinition } from './types.js';

/** 16 hex of the SHA-256 of the dataset as loaded: its task and every split's examples, in order. */
export function datasetDigest(dataset: Dataset): string {
  const digest = new DatasetDigest(dataset.task);
  for (const name of Object.keys(dataset.splits).sort()) {
    digest.split(name);
    for (const example of dataset.splits[name] ?? []) digest.add(example);
  }
  return digest.hex();
}

/** `datasetDigest` built an example at a time, for a dataset read as a stream (data/streamingSplit.ts). */
export class DatasetDigest {
  private readonly hash = createHash('sha256');

  constructor(task: TaskDefinition) {
    this.hash.update(canonicalJson(task));
  }

  /** Starts the next split (splits come in name order). */
  split(name: string): void {
    this.hash.update(`\n#${name}\n`);
  }

  add(example: Example): void {
    this.hash.update(canonicalJson(example) + '\n');
  }

  /** 16 hex of the digest (the digest is finished: nothing can be added after). */
  hex(): string {
    return this.hash.digest('hex').slice(0, 16);
  }
}

/** 16 hex of the SHA-256 of a file's bytes (or text) as read. */
export function contentDigest(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}
