/**
 * The `apprentice` command: one thin file per command under ./commands; this file only wires them
 * and turns known error types into a clear message and exit code.
 */
import { Command, CommanderError } from 'commander';
import { TrainingDivergedError } from '../engine/trainErrors.js';
import { ModelError } from '../models/errors.js';
import { InputError } from '../util/errors.js';
import { fileSystemInputError } from '../util/fileErrors.js';
import { redactSecrets } from '../util/redact.js';
import { VERSION } from '../version.js';
import { GATE_FAILED_EXIT } from './ciOutput.js';
import { addConfigOption } from './config.js';
import { reportInterruptions } from './interrupt.js';
import { markRequiredOptionsInHelp, showUsageLineAfterErrors, withExamples } from './help.js';
import { registerCompare } from './commands/compare.js';
import { registerDistill } from './commands/distill.js';
import { registerEval } from './commands/eval.js';
import { registerExport } from './commands/export.js';
import { registerFinetune } from './commands/finetune.js';
import { registerGenerate } from './commands/generate.js';
import { registerGrimoire } from './commands/grimoire.js';
import { registerQuickstart } from './commands/quickstart.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerScale } from './commands/scale.js';
import { registerTrain } from './commands/train.js';
import { registerCascade } from './commands/cascade.js';
import { registerServe } from './commands/serve.js';
import { registerUi } from './commands/ui.js';
import { useProjectDefaults } from './project/defaults.js';

/**
 * Exit codes: 0 ok, 1 unexpected failure, 2 bad input, 3 finished with failed model calls, 4 training diverged,
 * 5 a CI gate failed (eval --fail-under, compare --fail-on-regression).
 */
export const EXIT = { ok: 0, failure: 1, input: 2, callErrors: 3, trainingDiverged: 4, gateFailed: GATE_FAILED_EXIT } as const;

export function buildProgram(): Command {
  const program = new Command('apprentice')
    .description('Make small language models do what large ones do, and measure it honestly.')
    .version(VERSION)
    .exitOverride();
  markRequiredOptionsInHelp(program);
  withExamples(program, ['apprentice quickstart --scale tiny', 'apprentice eval --help']);
  registerQuickstart(program);
  registerEval(program);
  registerRun(program, buildProgram);
  registerCompare(program);
  registerGenerate(program);
  registerScale(program);
  registerTrain(program);
  registerFinetune(program);
  registerExport(program);
  registerGrimoire(program);
  registerDistill(program);
  registerReport(program);
  registerServe(program);
  registerCascade(program);
  registerUi(program);
  addConfigOption(program);
  useProjectDefaults(program);
  showUsageLineAfterErrors(program);
  return program;
}

/** Commands that serve until stopped; they handle SIGINT themselves (./listening.ts). */
const SERVERS = new Set(['serve', 'ui']);

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.hook('preAction', (_program, command) => {
    if (!SERVERS.has(command.name())) reportInterruptions(argv);
  });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.input;
    }
    if (error instanceof InputError) {
      process.stderr.write(redactSecrets(`error: ${error.message}\n`));
      return EXIT.input;
    }
    if (error instanceof TrainingDivergedError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT.trainingDiverged;
    }
    if (error instanceof ModelError) {
      process.stderr.write(redactSecrets(`error: model call failed (${error.kind}): ${error.message}\n`));
      return EXIT.failure;
    }
    const fileError = fileSystemInputError(error);
    if (fileError) {
      process.stderr.write(`error: ${fileError.message}\n`);
      return EXIT.input;
    }
    throw error;
  }
}
