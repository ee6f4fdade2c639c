/**
 * The `apprentice` command: one thin file per command under ./commands, loaded by ./program.ts; this file
 * runs the program and turns known error types into a clear message and exit code.
 */
import { CommanderError } from 'commander';
import { TrainingDivergedError } from '../engine/trainErrors.js';
import { ModelError } from '../models/errors.js';
import { InputError } from '../util/errors.js';
import { fileSystemInputError } from '../util/fileErrors.js';
import { redactSecrets } from '../util/redact.js';
import { GATE_FAILED_EXIT } from './ciOutput.js';
import { reportInterruptions } from './interrupt.js';
import { programForArgv } from './program.js';

/**
 * Exit codes: 0 ok, 1 unexpected failure, 2 bad input, 3 finished with failed model calls, 4 training diverged,
 * 5 a CI gate failed (eval --fail-under, compare --fail-on-regression).
 */
export const EXIT = { ok: 0, failure: 1, input: 2, callErrors: 3, trainingDiverged: 4, gateFailed: GATE_FAILED_EXIT } as const;

/** Commands that serve until stopped; they handle SIGINT themselves (./listening.ts). */
const SERVERS = new Set(['serve', 'ui']);

export async function main(argv: string[]): Promise<number> {
  const program = await programForArgv(argv);
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
