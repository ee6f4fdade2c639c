/** What every command's --help and parse errors show: required options marked, examples, one usage line on an error. */
import { Command, Help, type Option } from 'commander';

/** Marks required options in every --help of `program` and of the commands registered after this call. */
export function markRequiredOptionsInHelp(program: Command): void {
  program.configureHelp({
    optionDescription(this: Help, option: Option): string {
      const description = Help.prototype.optionDescription.call(this, option);
      return option.mandatory ? `${description} (required)` : description;
    },
  });
}

/** Appends an Examples section to the command's --help; each line is a command a user can type. */
export function withExamples(command: Command, examples: readonly string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${examples.map((example) => `  $ ${example}`).join('\n')}\n`);
}

/**
 * After a parse error (an unknown flag with its "did you mean" hint, a missing required option), every
 * command under `program` prints one usage line instead of its whole help.
 */
export function showUsageLineAfterErrors(program: Command): void {
  const visit = (command: Command, path: string[]): void => {
    const name = [...path, command.name()];
    command.showHelpAfterError(`usage: ${name.join(' ')} ${command.usage()}  (more: ${name.join(' ')} --help)`);
    for (const sub of command.commands) visit(sub, name);
  };
  visit(program, []);
}
