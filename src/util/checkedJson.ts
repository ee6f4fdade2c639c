/**
 * JSON a pipeline wrote, checked against the schema of what its readers rely on before they use it. The
 * value returned is the parsed JSON itself, so fields the schema does not check are kept.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type * as z from './zod.js';
import { InputError } from './errors.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** The value, or what is wrong with it: `invalid JSON: ...` or `<field path>: <what>`. */
export function parseChecked<T>(schema: z.ZodType, text: string): Checked<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `invalid JSON: ${(error as Error).message}` };
  }
  const checked = schema.safeParse(parsed);
  if (checked.success) return { ok: true, value: parsed as T };
  const issue = checked.error.issues[0];
  return { ok: false, problem: `${issue?.path.join('.') || 'the file'}: ${issue?.message ?? 'unexpected shape'}` };
}

/** The checked value of a file; an InputError names the file, `what` it should be and what is wrong. */
export function readChecked<T>(schema: z.ZodType, file: string, what: string): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${what}: ${(error as Error).message}`, { file });
  }
  const checked = parseChecked<T>(schema, text);
  if (!checked.ok) throw new InputError(`not ${what} (${checked.problem})`, { file });
  return checked.value;
}

/** A file checked without throwing: the value, or `<file name> is not <what> (<what is wrong>)`. */
export function checkFile<T>(schema: z.ZodType, file: string, what: string): Checked<T> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { ok: false, problem: `cannot read ${basename(file)}: ${(error as Error).message}` };
  }
  const checked = parseChecked<T>(schema, text);
  return checked.ok ? checked : { ok: false, problem: `${basename(file)} is not ${what} (${checked.problem})` };
}
