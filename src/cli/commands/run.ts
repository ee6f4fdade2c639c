/** `apprentice run`: runs the evals of the project file (apprentice.yaml), each as `apprentice eval` would. */
import type { Command } from 'commander';
import * as z from '../../util/zod.js';
import { InputError } from '../../util/errors.js';
import { defineCommand } from '../command.js';
import { applyConfigValues } from '../configValues.js';
import { option } from '../options.js';
import { commaList } from '../validate.js';
import { type ProjectEval, readProjectFile } from '../project/load.js';
import { NO_PROJECT_FLAG, PROJECT_FILE } from '../project/defaults.js';

const runOptions = {
  config: option('--config <file>', 'the project file: datasets, models, defaults and evals', z.string().min(1), { default: PROJECT_FILE }),
  only: option('--only <names>', 'run only these evals (comma-separated names)', commaList.optional()),
  list: option('--list', "print the evals' names and stop", z.boolean().optional()),
};

/** Each eval runs on a program of its own (`newProgram`), so no option value leaks from one eval into the next. */
export function registerRun(program: Command, newProgram: () => Command): void {
  defineCommand(program, {
    name: 'run',
    description: 'run the evals of a project file (apprentice.yaml); exit 5 when a gate failed, 3 when calls failed',
    options: runOptions,
    examples: ['apprentice run', 'apprentice run --config ci/apprentice.yaml --only svamp-cot,reviews-zero-shot', 'apprentice run --list'],
    action: async (options) => {
      const evals = readProjectFile(options.config);
      if (options.list) {
        process.stdout.write(evals.map((entry) => entry.name).join('\n') + '\n');
        return;
      }
      const unknown = (options.only ?? []).filter((name) => !evals.some((entry) => entry.name === name));
      if (unknown.length) {
        throw new InputError(
          `--only: no eval named ${unknown.map((name) => `"${name}"`).join(', ')} in ${options.config} (evals: ${evals.map((entry) => entry.name).join(', ')})`,
        );
      }
      const chosen = options.only ? evals.filter((entry) => options.only!.includes(entry.name)) : evals;
      // Every chosen eval's options are checked before the first one runs.
      const prepared = chosen.map((entry) => ({ name: entry.name, program: programFor(newProgram, entry) }));
      const outcomes: { name: string; exitCode: number }[] = [];
      for (const [i, { name, program: evalProgram }] of prepared.entries()) {
        process.stderr.write(`\n== eval ${name} (${i + 1}/${prepared.length}) ==\n`);
        process.exitCode = undefined;
        // Its options come from this project file alone: another one found from the folder must not mix in.
        await evalProgram.parseAsync(['eval', NO_PROJECT_FLAG], { from: 'user' });
        outcomes.push({ name, exitCode: typeof process.exitCode === 'number' ? process.exitCode : 0 });
      }
      process.stderr.write(`\n${outcomes.map(({ name, exitCode }) => `${name}: ${STATUS[exitCode] ?? `exit ${exitCode}`}`).join('\n')}\n`);
      process.exitCode = Math.max(0, ...outcomes.map((outcome) => outcome.exitCode));
    },
  });
}

const STATUS: Record<number, string> = { 0: 'ok', 3: 'finished with failed or missing examples (exit 3)', 5: 'gate failed (exit 5)' };

function programFor(newProgram: () => Command, entry: ProjectEval): Command {
  const program = newProgram();
  const evalCommand = program.commands.find((command) => command.name() === 'eval')!;
  applyConfigValues(evalCommand, entry.values);
  if (evalCommand.getOptionValue('dataset') === undefined) {
    throw new InputError(`eval "${entry.name}" has no dataset (set "dataset" in the eval or under "defaults")`, entry.where);
  }
  return program;
}
