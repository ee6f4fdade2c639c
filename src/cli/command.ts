/** A command declared in one place: name, description, positional arguments, options, examples and action. */
import type { Command } from 'commander';
import { withExamples } from './help.js';
import { addOptions, type OptionSpecs, type OptionValues, parseOptions } from './options.js';

export interface CommandDefinition<O extends OptionSpecs> {
  name: string;
  description: string;
  /** Positional arguments (`['<dir>', 'the checkpoint folder']`), handed to the action after the options. */
  arguments?: readonly (readonly [name: string, help: string])[];
  options: O;
  examples: readonly string[];
  /** Runs with the parsed options (every error names its flag) and the positional arguments. */
  action: (options: OptionValues<O>, ...args: string[]) => Promise<void> | void;
}

/** Adds the command under `parent`, with its options and examples in --help. */
export function defineCommand<O extends OptionSpecs>(parent: Command, definition: CommandDefinition<O>): Command {
  const command = parent.command(definition.name).description(definition.description);
  for (const [name, help] of definition.arguments ?? []) command.argument(name, help);
  withExamples(addOptions(command, definition.options), definition.examples);
  const positional = definition.arguments?.length ?? 0;
  return command.action(async (...params: unknown[]) => {
    const raw = params[positional] as Record<string, unknown>;
    await definition.action(parseOptions(definition.options, raw), ...(params.slice(0, positional) as string[]));
  });
}
