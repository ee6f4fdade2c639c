/**
 * Every command's options can also come from a YAML or JSON file (`--config run.yaml`), promptfoo
 * style. Keys are option names (camelCase or kebab-case); flags given on the command line win.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import YAML from 'yaml';
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
  const values = readConfig(path);
  const known = new Map(command.options.map((option) => [option.attributeName(), option]));
  for (const [rawKey, value] of Object.entries(values)) {
    const key = rawKey.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const option = known.get(key);
    if (!option) {
      throw new InputError(`unknown option "${rawKey}" for "${command.name()}"`, { file: path, field: rawKey });
    }
    const source = command.getOptionValueSource(key);
    if (source === 'cli' || source === 'env') continue;
    const list = option.variadic || declaredSpec(command, key)?.repeatable;
    command.setOptionValueWithSource(key, list ? asList(value) : normalise(value), 'config');
  }
}

function readConfig(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError('cannot read config file', { file: path });
  }
  let parsed: unknown;
  try {
    parsed = path.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (error) {
    throw new InputError(`invalid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`, { file: path });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError('a config file must hold a mapping of option names to values', { file: path });
  }
  return parsed as Record<string, unknown>;
}

/** A variadic (`--scores a.csv b.csv`) or repeatable (`--generic a --generic b`) option takes a list, or one value. */
function asList(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Lists in a config file mean the same as comma-separated flag values. */
function normalise(value: unknown): unknown {
  return Array.isArray(value) ? value.map(String).join(',') : value;
}
