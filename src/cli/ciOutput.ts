/** What `eval` and `compare` write for CI: the gate's verdict on stderr and, with --junit, a JUnit XML file. */
import { createWriteStream, mkdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dirname, resolve } from 'node:path';
import * as z from '../util/zod.js';
import type { GateOutcome } from '../eval/gates.js';
import type { JUnitSuite } from '../report/junit.js';
import { option } from './options.js';

export const junitOption = option(
  '--junit <file>',
  'also write a JUnit XML report (one test case per example, and the gate) for CI',
  z.string().min(1).optional(),
);

/** Exit code when a CI gate fails (eval --fail-under, compare --fail-on-regression). */
export const GATE_FAILED_EXIT = 5;

/** Writes the XML as it is made (an eval run's cases are read from its records as they go). */
export async function writeJUnit(file: string, suites: JUnitSuite[]): Promise<void> {
  const { renderJUnit } = await import('../report/junit.js');
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  await pipeline(Readable.from(inBlocks(renderJUnit(suites))), createWriteStream(path));
}

/** Small pieces joined into blocks of about 64 KiB, so a million test cases are not a million writes. */
function* inBlocks(pieces: Iterable<string>): Generator<string> {
  let block: string[] = [];
  let size = 0;
  for (const piece of pieces) {
    block.push(piece);
    size += piece.length;
    if (size >= 1 << 16) {
      yield block.join('');
      block = [];
      size = 0;
    }
  }
  if (block.length) yield block.join('');
}

/** Prints the gate's verdict and sets the exit code when it failed (call errors, exit 3, take precedence). */
export function reportGate(gate: GateOutcome): void {
  process.stderr.write(`${gate.passed ? 'gate passed' : 'gate FAILED'}: ${gate.message}\n`);
  if (!gate.passed && process.exitCode !== 3) process.exitCode = GATE_FAILED_EXIT;
}
