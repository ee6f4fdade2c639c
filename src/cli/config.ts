/**
 * Every command's options can also come from a YAML or JSON file (`--config run.yaml`), promptfoo
 * style. Keys are option names (camelCase or kebab-case); flags given on the command line win.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import YAML, { LineCounter } from 'yaml';
import { InputError } from '../util/errors.js';
import { declaredSpec } from './options.js';

/**
 * Gives every command under `program` a `--config <file>` option. The file is read as soon as the option
 * is parsed, before commander checks required options, so the file can hold those too.
 */
export function addConfigOption(program: Command): void {
  for (const command of program.commands) {
    if (command.commands.length > 0) {
      addConfigOption(command);
      continue;
    }
    command.option('--config <file>', 'read options from a YAML/JSON file (flags given on the command line win)');
    command.on('option:config', (path: string) => applyConfigFile(command, path));
  }
}

function applyConfigFile(command: Command, path: string): void {
  const { values, lineOf } = readConfig(path);
  const known = new Map(command.options.map((option) => [option.attributeName(), option]));
  for (const [rawKey, value] of Object.entries(values)) {
    const key = rawKey.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const option = known.get(key);
    if (!option) {
      throw new InputError(`unknown option "${rawKey}" for "${command.name()}"`, { file: path, line: lineOf(rawKey), field: rawKey });
    }
    const source = command.getOptionValueSource(key);
    if (source === 'cli' || source === 'env') continue;
    const spec = declaredSpec(command, key);
    const list = option.variadic || spec?.repeatable;
    const given = list ? asList(value) : normalise(value);
    // Checked here, where the file and line are known (the command checks its options again, naming flags).
    const checked = spec?.schema.safeParse(given);
    if (checked && !checked.success) {
      throw new InputError(checked.error.issues.map((issue) => issue.message).join('; '), { file: path, line: lineOf(rawKey), field: rawKey });
    }
    command.setOptionValueWithSource(key, given, 'config');
  }
}

/** The file's mapping, and the line of each top-level key (undefined for JSON files). */
function readConfig(path: string): { values: Record<string, unknown>; lineOf: (key: string) => number | undefined } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError('cannot read config file', { file: path });
  }
  const json = path.endsWith('.json');
  let parsed: unknown;
  const lines = new LineCounter();
  let document: YAML.Document.Parsed | undefined;
  try {
    if (json) parsed = JSON.parse(text);
    else {
      document = YAML.parseDocument(text, { lineCounter: lines });
      if (document.errors.length) throw document.errors[0];
      parsed = document.toJS();
    }
  } catch (error) {
    throw new InputError(`invalid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message}`, { file: path });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError('a config file must hold a mapping of option names to values', { file: path });
  }
  const lineOf = (key: string): number | undefined => {
    const contents = document?.contents;
    if (!YAML.isMap(contents)) return undefined;
    const pair = contents.items.find((item) => YAML.isScalar(item.key) && item.key.value === key);
    const offset = YAML.isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
    return offset === undefined ? undefined : lines.linePos(offset).line;
  };
  return { values: parsed as Record<string, unknown>, lineOf };
}

/** A variadic (`--scores a.csv b.csv`) or repeatable (`--generic a --generic b`) option takes a list, or one value. */
function asList(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Lists in a config file mean the same as comma-separated flag values. */
function normalise(value: unknown): unknown {
  return Array.isArray(value) ? value.map(String).join(',') : value;
}
