/**
 * The PyTorch reference of the Hugging Face models (./hf_reference.py) as the engine's tests use it: a random
 * weighted batch, its input file, one Python process for every job, and the comparison of gradients.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { HostBatch } from '../../../src/engine/onnx/session.js';
import { createRng } from '../../../src/util/random.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./hf_reference.py', import.meta.url));

/** Whether /usr/bin/python3 can import torch and numpy (Debian: apt-get install python3-torch). */
export const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;

/**
 * B = 2 sequences of T random tokens and targets (seeded by `seed`), each position's loss weighted at random from
 * position `scoredFrom` on and 0 before it (a prompt that is not scored).
 */
export function referenceBatch(vocabSize: number, seed: string, T: number, scoredFrom: number): HostBatch {
  const rng = createRng(seed);
  const B = 2;
  const tokens = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * vocabSize));
  const targets = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * vocabSize));
  const weights = Float32Array.from({ length: B * T }, (_, i) => (i % T >= scoredFrom ? 0.2 + rng.next() : 0));
  return { B, T, tokens, targets, weights };
}

/** Writes `batch` as the reference's input file `<dir>/<name>.in.json` (B rows of T) and returns its path. */
export async function writeReferenceInput(dir: string, name: string, batch: HostBatch): Promise<string> {
  const rows = (a: ArrayLike<number>) => Array.from({ length: batch.B }, (_, b) => Array.from(a).slice(b * batch.T, (b + 1) * batch.T));
  const input = join(dir, `${name}.in.json`);
  await writeFile(input, JSON.stringify({ tokens: rows(batch.tokens), targets: rows(batch.targets), weights: rows(batch.weights) }));
  return input;
}

/** What the reference computed for one job: the logits, the loss and the gradients by Hugging Face name. */
export interface ReferenceOutput {
  logits: number[];
  loss: number;
  grads: Record<string, number[]>;
}

/**
 * Runs every job (model folder, input file, output file, and an adapter folder for PEFT) in one PyTorch
 * process; throws with its stderr when it fails.
 */
export async function runReference(dir: string, jobs: string[][]): Promise<void> {
  await writeFile(join(dir, 'jobs.json'), JSON.stringify(jobs));
  const run = spawnSync(PYTHON, [SCRIPT, join(dir, 'jobs.json')], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`hf_reference.py failed: ${run.stderr}`);
}

/** The largest absolute difference between two arrays of the same length. */
export function maxAbsDiff(ours: ArrayLike<number>, theirs: ArrayLike<number>): number {
  let diff = 0;
  for (let i = 0; i < ours.length; i++) diff = Math.max(diff, Math.abs(ours[i]! - theirs[i]!));
  return diff;
}

/**
 * Expects our gradients (in the Hugging Face layout) to be the reference's, `prefix` + our name, within 1e-3 of
 * the larger of the reference's largest magnitude and 1e-3; returns the worst relative difference.
 */
export function expectGradientsMatch(grads: ReadonlyMap<string, Float32Array>, reference: ReferenceOutput, prefix = ''): number {
  expect([...grads.keys()].map((name) => `${prefix}${name}`).sort()).toEqual(Object.keys(reference.grads).sort());
  let worst = 0;
  for (const [name, g] of grads) {
    const want = reference.grads[`${prefix}${name}`]!;
    const scale = Math.max(...want.map(Math.abs), 1e-3);
    const diff = maxAbsDiff(g, want) / scale;
    expect(diff, name).toBeLessThan(1e-3);
    worst = Math.max(worst, diff);
  }
  return worst;
}
