/**
 * Every CLI option is declared once, as an OptionSpec: its flags, help text, default, whether it is
 * required or repeatable, and the zod schema its raw value (from a flag or a config file) must pass.
 * Commands compose specs into one record, keyed by the option's name (commander's attribute name, which
 * is also its key in a `--config` file), add them to their commander command and parse their values with
 * the same record, so a flag, its check and its type cannot drift apart.
 */
import type { EventEmitter } from 'node:events';
import { Command, Option } from 'commander';
import * as z from '../util/zod.js';
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
  /**
   * Where the value goes in the pipeline's config (see configFrom): a field name, or a dotted path into a
   * nested settings object (`generation.maxTokens`). Options without one (output, the model layer's
   * settings) are the command's own.
   */
  readonly to?: string;
  /**
   * A former long flag of this option (`--prompt`), kept working for one release after a rename: hidden
   * from --help, it sets this option and prints one line naming the new flag (a config-file key likewise).
   */
  readonly deprecatedAlias?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The typed values of a record of specs, after parsing. */
export type OptionValues<O extends OptionSpecs> = { [K in keyof O]: z.output<O[K]['schema']> };

/** A spec; `option('--k <n>', 'samples per label', positiveInt, { default: '4', to: 'k' })`. */
export function option<S extends z.ZodType, T extends string = never>(
  flags: string,
  help: string,
  schema: S,
  settings: Pick<OptionSpec, 'default' | 'required' | 'repeatable' | 'deprecatedAlias'> & { readonly to?: T } = {},
): OptionSpec<S> & Destination<T> {
  return { flags, help, schema, ...settings } as OptionSpec<S> & Destination<T>;
}

/** A spec with a `to` keeps its path as a literal type, so configFrom can type the config it builds. */
type Destination<T extends string> = [T] extends [never] ? unknown : { readonly to: T };

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
    if (spec.deprecatedAlias) addDeprecatedAlias(command, option, spec.deprecatedAlias);
  }
  declared.set(command, known);
  return command;
}

const aliases = new WeakMap<Command, Map<string, Option>>();

/** The hidden `--old <value>` of `option`: each use is handed on to the option itself, as if it had been typed. */
function addDeprecatedAlias(command: Command, option: Option, oldLong: string): void {
  const alias = new Option(oldLong + option.flags.slice(option.flags.indexOf(option.long!) + option.long!.length)).hideHelp();
  command.addOption(alias);
  const known = aliases.get(command) ?? new Map<string, Option>();
  known.set(alias.attributeName(), option);
  aliases.set(command, known);
  let warned = false;
  command.on(`option:${alias.name()}`, (value: unknown) => {
    if (!warned) warnDeprecated(oldLong, option.long!);
    warned = true;
    // Commander's Command is an EventEmitter (its typings leave emit out).
    (command as unknown as EventEmitter).emit(`option:${option.name()}`, value);
  });
}

/** The option a deprecated alias of `command` stands for (by the alias's attribute name: `prompt`). */
export function deprecatedAliasOf(command: Command, key: string): Option | undefined {
  return aliases.get(command)?.get(key);
}

/** One line on stderr: the old name still works this release, under its new name. */
export function warnDeprecated(old: string, current: string, where?: string): void {
  process.stderr.write(`warning: ${old}${where ? ` (${where})` : ''} is deprecated; use ${current} (the old name will be removed in the next release)\n`);
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
  // Parsed once per process: zod's compiled fast path would cost more to build (~5 ms) than it saves.
  const result = schema.safeParse(raw, { jitless: true });
  if (result.success) return result.data as OptionValues<O>;
  const messages = result.error.issues.map((issue) => {
    const [key, ...rest] = issue.path.map(String);
    const spec = key === undefined ? undefined : specs[key];
    const flag = spec ? (new Option(spec.flags).long ?? key) : key ? `--${key}` : 'options';
    return `${[flag, ...rest].join('.')}: ${issue.message}`;
  });
  throw new InputError(messages.join('; '));
}

/** [path, value type] for every option of `O` that names where its value goes. */
type Routed<O extends OptionSpecs> = {
  [K in keyof O]: O[K] extends { readonly to: infer P extends string } ? [P, z.output<O[K]['schema']>] : never;
}[keyof O];
type Head<P> = P extends `${infer H}.${string}` ? H : P;
type Rest<E, H extends string> = E extends [`${H}.${infer R}`, infer V] ? [R, V] : never;
type Nest<E> = {
  [H in Head<E extends [infer P, unknown] ? P : never> & string]: [Extract<E, [H, unknown]>] extends [never] ? Nest<Rest<E, H>> : Extract<E, [H, unknown]>[1];
};

/** The part of a pipeline's config the options of `O` fill in, shaped by their `to` paths. */
export type ConfigFrom<O extends OptionSpecs> = Nest<Routed<O>>;

/**
 * The pipeline config the options fill in: each option with a `to` puts its parsed value there (also
 * when it is undefined, as an unset optional flag is), so a command names only what it computes.
 */
export function configFrom<O extends OptionSpecs>(specs: O, values: OptionValues<O>): ConfigFrom<O> {
  const config: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    if (spec.to === undefined) continue;
    const path = spec.to.split('.');
    let target = config;
    for (const part of path.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    target[path[path.length - 1]!] = (values as Record<string, unknown>)[key];
  }
  return config as ConfigFrom<O>;
}
