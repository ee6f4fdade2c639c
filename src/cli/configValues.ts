/**
 * Option values read from a file (a command's `--config` file, or an eval of the project file), given
 * to a commander command as if typed, each checked where its file and line are still known.
 */
import type { Command } from 'commander';
import { InputError } from '../util/errors.js';
import { declaredSpec, deprecatedAliasOf, warnDeprecated } from './options.js';

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

/**
 * Where a value from a file ranks: a `--config` file ("config") gives way only to the command line and
 * the environment; the project file's defaults ("project", applied before the command line is read) to
 * anything given at all.
 */
export type FileSource = 'config' | 'project';

/** Sets the values on `command`; values from a stronger source win (see FileSource). */
export function applyConfigValues(command: Command, values: readonly ConfigValue[], fileSource: FileSource = 'config'): void {
  const known = new Map(command.options.filter((option) => !option.hidden).map((option) => [option.attributeName(), option]));
  for (const { key: written, value, where } of values) {
    const renamed = deprecatedAliasOf(command, optionKey(written));
    if (renamed) warnDeprecated(`"${written}"`, `"${kebabKey(renamed.attributeName())}"`, `${where.file}${where.line ? `:${where.line}` : ''}`);
    const key = renamed?.attributeName() ?? optionKey(written);
    const option = known.get(key);
    if (!option) throw new InputError(`unknown option "${written}" for "${command.name()}"`, where);
    const source = command.getOptionValueSource(key);
    if (source === 'cli' || source === 'env') continue;
    if (fileSource === 'project' && source !== undefined && source !== 'default') continue;
    const spec = declaredSpec(command, key);
    const list = option.variadic || spec?.repeatable;
    const given = list ? asList(value) : normalise(value);
    // Checked here, where the file and line are known (the command checks its options again, naming flags).
    const checked = spec?.schema.safeParse(given);
    if (checked && !checked.success) {
      throw new InputError(checked.error.issues.map((issue) => issue.message).join('; '), where);
    }
    command.setOptionValueWithSource(key, given, fileSource);
  }
}

/** `maxTokens` -> `max-tokens`: files write options as their flags are spelled. */
export function kebabKey(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** A variadic (`--scores a.csv b.csv`) or repeatable (`--generic a --generic b`) option takes a list, or one value. */
function asList(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Lists in a config file mean the same as comma-separated flag values. */
function normalise(value: unknown): unknown {
  return Array.isArray(value) ? value.map(String).join(',') : value;
}
