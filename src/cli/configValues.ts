/**
 * Option values read from a file (a command's `--config` file, or an eval of the project file), given
 * to a commander command as if typed, each checked where its file and line are still known.
 */
import type { Command } from 'commander';
import { InputError } from '../util/errors.js';
import { declaredSpec } from './options.js';

/** One option value from a file, and where it was written. */
export interface ConfigValue {
  /** The option's name as written: camelCase or kebab-case. */
  readonly key: string;
  readonly value: unknown;
  readonly where: { readonly file: string; readonly line?: number; readonly field: string };
}

/** `max-tokens` and `maxTokens` both name the option `maxTokens`. */
export function optionKey(written: string): string {
  return written.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Sets the values on `command` (source "config"); values given on the command line or by the environment win. */
export function applyConfigValues(command: Command, values: readonly ConfigValue[]): void {
  const known = new Map(command.options.map((option) => [option.attributeName(), option]));
  for (const { key: written, value, where } of values) {
    const key = optionKey(written);
    const option = known.get(key);
    if (!option) throw new InputError(`unknown option "${written}" for "${command.name()}"`, where);
    const source = command.getOptionValueSource(key);
    if (source === 'cli' || source === 'env') continue;
    const spec = declaredSpec(command, key);
    const list = option.variadic || spec?.repeatable;
    const given = list ? asList(value) : normalise(value);
    // Checked here, where the file and line are known (the command checks its options again, naming flags).
    const checked = spec?.schema.safeParse(given);
    if (checked && !checked.success) {
      throw new InputError(checked.error.issues.map((issue) => issue.message).join('; '), where);
    }
    command.setOptionValueWithSource(key, given, 'config');
  }
}

/** A variadic (`--scores a.csv b.csv`) or repeatable (`--generic a --generic b`) option takes a list, or one value. */
function asList(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Lists in a config file mean the same as comma-separated flag values. */
function normalise(value: unknown): unknown {
  return Array.isArray(value) ? value.map(String).join(',') : value;
}
