/** What `eval` and `compare` write for CI: the gate's verdict on stderr and, with --junit, a JUnit XML file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
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

export async function writeJUnit(file: string, suites: JUnitSuite[]): Promise<void> {
  const { renderJUnit } = await import('../report/junit.js');
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderJUnit(suites));
}

/** Prints the gate's verdict and sets the exit code when it failed (call errors, exit 3, take precedence). */
export function reportGate(gate: GateOutcome): void {
  process.stderr.write(`${gate.passed ? 'gate passed' : 'gate FAILED'}: ${gate.message}\n`);
  if (!gate.passed && process.exitCode !== 3) process.exitCode = GATE_FAILED_EXIT;
}
