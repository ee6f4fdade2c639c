/**
 * What kind of output folder `apprentice report <dir>` was given, recognised by the registry of results
 * contracts (results.ts), with a clear refusal of anything else.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readConfig } from '../eval/runResult.js';
import { CONFIG_FILE, RECORDS_FILE } from '../runs/runDir.js';
import { InputError } from '../util/errors.js';
import { detectResult, RESULTS, type ResultKind } from './results.js';

export type RunKind = ResultKind;

export const RUN_KIND_LABEL = Object.fromEntries(RESULTS.map(({ contract }) => [contract.kind, contract.label])) as Record<RunKind, string>;

const SHOWN: RunKind[] = ['eval', 'grimoire', 'distill', 'scale'];
const EXPECTED = `expected ${SHOWN.map((kind) => RESULTS.find(({ contract }) => contract.kind === kind)!)
  .map(({ contract }) => `${/^[aeiou]/.test(contract.label) ? 'an' : 'a'} ${contract.label} (${contract.expected})`)
  .join(', ')}`;

export function detectRunKind(dir: string): RunKind {
  const absolute = resolve(dir);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new InputError(`not a run folder: no such folder; ${EXPECTED}`, { file: absolute });
  }
  const detected = detectResult(absolute);
  if (detected && !detected.unfinished) return detected.kind;
  const found = detected ? ` (a ${detected.contract.label}: ${detected.unfinished})` : foundConfig(absolute);
  throw new InputError(`not a run folder Apprentice can report on${found}; ${EXPECTED}`, { file: absolute });
}

function foundConfig(dir: string): string {
  if (existsSync(join(dir, CONFIG_FILE))) {
    try {
      const command = readConfig(dir).command;
      if (command) return ` (its ${CONFIG_FILE} is from "${command}")`;
    } catch {
      return ` (its ${CONFIG_FILE} is not JSON)`;
    }
  }
  return existsSync(join(dir, RECORDS_FILE)) ? ` (${RECORDS_FILE} without ${CONFIG_FILE})` : '';
}
