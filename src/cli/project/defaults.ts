/**
 * A plain `apprentice eval` takes the `defaults` of the project file (apprentice.yaml) for every option
 * it is not given: command line > `--config` file > project defaults > built-in defaults. The project
 * file is found as Prettier and ESLint find theirs: in the current folder, else the nearest parent, but
 * not above the repository's root (the folder holding `.git`). `--no-project` ignores it.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command, Option } from 'commander';
import { applyConfigValues } from '../configValues.js';

export const PROJECT_FILE = 'apprentice.yaml';

/** The commands whose options the project file's defaults are (its schema is built from eval's options). */
const TAKES_PROJECT_DEFAULTS = ['eval'];

export const NO_PROJECT_FLAG = '--no-project';

/** The project file that applies in `folder`, or undefined. */
export function findProjectFile(folder: string): string | undefined {
  for (let dir = resolve(folder); ; dir = dirname(dir)) {
    const candidate = join(dir, PROJECT_FILE);
    if (existsSync(candidate)) return candidate;
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) return undefined;
  }
}

/**
 * Gives the commands that take project defaults a `--no-project` switch, and applies the defaults before
 * such a command reads its command line (so a required option, like --dataset, may come from them).
 */
export function useProjectDefaults(program: Command): void {
  const commands = program.commands.filter((command) => TAKES_PROJECT_DEFAULTS.includes(command.name()));
  for (const command of commands) {
    command.option(NO_PROJECT_FLAG, `ignore the project file (${PROJECT_FILE} here or in a parent folder up to the repository root) and its defaults`);
  }
  program.hook('preSubcommand', async (_program, command) => {
    if (!commands.includes(command) || ownArguments(program, command).includes(NO_PROJECT_FLAG)) return;
    const found = findProjectFile(process.cwd());
    if (found === undefined) return;
    const path = relative(process.cwd(), found) || PROJECT_FILE;
    // The project file's schema is built from every eval option: only loaded when there is a file to check.
    const { readProjectDefaults } = await import('./load.js');
    const defaults = readProjectDefaults(path);
    applyConfigValues(command, defaults.values, 'project');
    command.hook('preAction', () => {
      // The named dataset's reading options (fields, labels) belong to that dataset, not to another one given.
      if (command.getOptionValueSource('dataset') !== 'project') {
        for (const key of defaults.ofDefaultDataset) if (command.getOptionValueSource(key) === 'project') resetToDefault(command, key);
      }
      process.stderr.write(`project defaults: ${path} (${NO_PROJECT_FLAG} ignores them)\n`);
    });
  });
}

/** The command line after the command's name, up to a `--`. */
function ownArguments(program: Command, command: Command): string[] {
  const args = program.args.slice(program.args.indexOf(command.name()) + 1);
  const end = args.indexOf('--');
  return end === -1 ? args : args.slice(0, end);
}

function resetToDefault(command: Command, key: string): void {
  const option = command.options.find((candidate: Option) => candidate.attributeName() === key);
  command.setOptionValueWithSource(key, option?.defaultValue, 'default');
}
