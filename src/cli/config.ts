/**
 * Every command's options can also come from a YAML or JSON file (`--config run.yaml`), promptfoo
 * style. Keys are option names (camelCase or kebab-case); flags given on the command line win.
 */
import type { Command } from 'commander';
import { InputError } from '../util/errors.js';
import { applyConfigValues } from './configValues.js';
import { readYamlFile } from './yamlFile.js';

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
    // A command whose own --config means something else (`run`: the project file).
    if (command.options.some((option) => option.long === '--config')) continue;
    command.option('--config <file>', 'read options from a YAML/JSON file (flags given on the command line win)');
    command.on('option:config', (path: string) => applyConfigFile(command, path));
  }
}

function applyConfigFile(command: Command, path: string): void {
  const file = readYamlFile(path);
  const values = file.value;
  if (!values || typeof values !== 'object' || Array.isArray(values)) {
    throw new InputError('a config file must hold a mapping of option names to values', { file: path });
  }
  applyConfigValues(
    command,
    Object.entries(values).map(([key, value]) => ({ key, value, where: { file: path, line: file.lineOf([key]), field: key } })),
  );
}
