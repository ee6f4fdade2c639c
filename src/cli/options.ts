/**
 * Every CLI option is declared once, as an OptionSpec: its flags, help text, default, whether it is
 * required or repeatable, and the zod schema its raw value (from a flag or a config file) must pass.
 * Commands compose specs into one record, keyed by the option's name (commander's attribute name, which
 * is also its key in a `--config` file), add them to their commander command and parse their values with
 * the same record, so a flag, its check and its type cannot drift apart.
 */
import { Command, Option } from 'commander';
import { z } from 'zod';
import { InputError } from '../util/errors.js';

export interface OptionSpec<S extends z.ZodType = z.ZodType> {
  /** Commander flags, e.g. `--max-tokens <n>`, `--no-progress`, `--scores <file...>` (variadic). */
  readonly flags: string;
  readonly help: string;
  /** Checks and converts the raw value; optional options need `.optional()`. */
  readonly schema: S;
  /** The default as it would be typed on the command line (commander shows it in --help). */
  readonly default?: string;
  /** Must be given, by a flag or by the `--config` file. */
  readonly required?: boolean;
  /** Each use adds one value to a list (`--generic a --generic b`); a config file may give a list. */
  readonly repeatable?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The typed values of a record of specs, after parsing. */
export type OptionValues<O extends OptionSpecs> = { [K in keyof O]: z.output<O[K]['schema']> };

/** A spec; `option('--k <n>', 'samples per label', positiveInt, { default: '4' })`. */
export function option<S extends z.ZodType>(
  flags: string,
  help: string,
  schema: S,
  settings: Pick<OptionSpec, 'default' | 'required' | 'repeatable'> = {},
): OptionSpec<S> {
  return { flags, help, schema, ...settings };
}

const declared = new WeakMap<Command, Map<string, OptionSpec>>();

/** Adds the options to `command` (in record order, which is their order in --help). */
export function addOptions(command: Command, specs: OptionSpecs): Command {
  const known = declared.get(command) ?? new Map<string, OptionSpec>();
  for (const [key, spec] of Object.entries(specs)) {
    const option = new Option(spec.flags, spec.help);
    if (option.attributeName() !== key) {
      throw new Error(`option "${key}" of "${command.name()}" is declared with the flags "${spec.flags}" (name "${option.attributeName()}")`);
    }
    if (spec.default !== undefined) option.default(spec.default);
    if (spec.required) option.makeOptionMandatory();
    if (spec.repeatable) option.argParser(appendValue);
    command.addOption(option);
    known.set(key, spec);
  }
  declared.set(command, known);
  return command;
}

function appendValue(value: string, previous: unknown): string[] {
  return Array.isArray(previous) ? [...(previous as string[]), value] : [value];
}

/** The spec behind an option of `command`, if it was added with addOptions. */
export function declaredSpec(command: Command, key: string): OptionSpec | undefined {
  return declared.get(command)?.get(key);
}

/** Checks the raw values commander collected against the specs; every message names the flag. */
export function parseOptions<O extends OptionSpecs>(specs: O, raw: Record<string, unknown>): OptionValues<O> {
  const schema = z.object(Object.fromEntries(Object.entries(specs).map(([key, spec]) => [key, spec.schema])));
  const result = schema.safeParse(raw);
  if (result.success) return result.data as OptionValues<O>;
  const messages = result.error.issues.map((issue) => {
    const [key, ...rest] = issue.path.map(String);
    const spec = key === undefined ? undefined : specs[key];
    const flag = spec ? new Option(spec.flags).long ?? key : key ? `--${key}` : 'options';
    return `${[flag, ...rest].join('.')}: ${issue.message}`;
  });
  throw new InputError(messages.join('; '));
}
