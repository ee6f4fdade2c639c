/**
 * What every pipeline's results contract looks like (eval run, grimoire evaluation, distillation sweep,
 * scaling analysis). A contract lives in its pipeline's folder beside the types, schema and file names of what
 * the pipeline writes; the pipeline writes only through it, and the readers (`report/`, the dashboard API) read
 * only through it, from one registry (report/results.ts). A folder is recognised by `detect` and read by
 * `check`/`read`, nowhere else.
 */
import type { Checked } from '../util/checkedJson.js';
import { InputError } from '../util/errors.js';

/** A folder a contract recognises; `unfinished` says why its results cannot be read yet (e.g. no summary.json). */
export interface Detection {
  unfinished: string | null;
}

export interface ResultContract<K extends string, T> {
  readonly kind: K;
  /** For people: "evaluation run". */
  readonly label: string;
  /** The files that make it, and the command that writes them: "config.json + records.jsonl from `apprentice eval`". */
  readonly expected: string;
  /** Whether this folder is (meant to be) this kind of result, from its marker files; no content check beyond that. */
  detect(dir: string): Detection | null;
  /** The folder's results checked, or what is wrong with them (without the folder, which the caller knows). */
  check(dir: string): Checked<T>;
}

/** The checked results; an InputError names the folder and what is wrong. */
export function readResult<K extends string, T>(contract: ResultContract<K, T>, dir: string): T {
  const detected = contract.detect(dir);
  if (!detected) throw new InputError(`not a ${contract.label}; expected ${contract.expected}`, { file: dir });
  if (detected.unfinished) throw new InputError(`${contract.label} not finished: ${detected.unfinished}`, { file: dir });
  const checked = contract.check(dir);
  if (!checked.ok) throw new InputError(checked.problem, { file: dir });
  return checked.value;
}
