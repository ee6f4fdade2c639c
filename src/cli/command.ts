/** A command declared in one place: name, description, positional arguments, options, examples and action. */
import type { Command } from 'commander';
import { withExamples } from './help.js';
import { addOptions, type OptionSpecs, type OptionValues, parseOptions } from './options.js';

/** A positional argument as commander writes it: `<dir>` required, `[model]` optional, `<dir...>` variadic. */
export type ArgumentSpec = readonly [name: string, help: string];

/** The value commander hands over for an argument: a list when variadic, possibly undefined when optional. */
type ArgumentValue<N extends string> = N extends `${string}...${'>' | ']'}` ? string[] : N extends `[${string}]` ? string | undefined : string;
type ArgumentValues<A extends readonly ArgumentSpec[]> = { [I in keyof A]: ArgumentValue<A[I][0]> };

export interface CommandDefinition<O extends OptionSpecs, A extends readonly ArgumentSpec[]> {
  name: string;
  description: string;
  /** Positional arguments (`['<dir>', 'the checkpoint folder']`), handed to the action after the options. */
  arguments?: A;
  options: O;
  examples: readonly string[];
  /** Runs with the parsed options (every error names its flag) and the positional arguments. */
  action: (options: OptionValues<O>, ...args: ArgumentValues<A>) => Promise<void> | void;
}

/** Adds the command under `parent`, with its options and examples in --help. */
export function defineCommand<O extends OptionSpecs, const A extends readonly ArgumentSpec[] = []>(
  parent: Command,
  definition: CommandDefinition<O, A>,
): Command {
  const command = parent.command(definition.name).description(definition.description);
  for (const [name, help] of definition.arguments ?? []) command.argument(name, help);
  withExamples(addOptions(command, definition.options), definition.examples);
  const positional = definition.arguments?.length ?? 0;
  return command.action(async (...params: unknown[]) => {
    const raw = params[positional] as Record<string, unknown>;
    await definition.action(parseOptions(definition.options, raw), ...(params.slice(0, positional) as ArgumentValues<A>));
  });
}
