/**
 * Flag names mean one thing across commands (issue #19): each audited flag (the prompt, demonstration
 * and validation-size flags) takes the same kind of value in every command that has it (its
 * `<placeholder>`, or none for a switch). A flag that takes a style in one command and a file in another
 * fails here, unless it is one of the known conflicts below, which are still to be renamed (with a
 * deprecation alias) and are listed so that no new one slips in.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';

/** Placeholders that name the same kind of value. */
const SAME_KIND: Record<string, string> = {
  how: 'selection',
  list: 'selection',
  name: 'name',
  names: 'name',
  t: 'number',
  f: 'number',
  n: 'number',
  k: 'number',
};

const AUDITED = ['--prompt', '--prompting', '--demos', '--demo-split', '--shots', '--validation', '--validation-size', '--validation-fraction'];

/** Conflicts that exist today: flag -> the kind it takes, by command. To fix, not to grow. */
const KNOWN_CONFLICTS: Record<string, Record<string, string>> = {
  // a prompt style in eval, the prompt's text in generate
  '--prompt': { eval: 'style', generate: 'text' },
  // how demonstrations are selected in eval/grimoire eval, a file of them in distill annotate
  '--demos': { 'distill annotate': 'file', eval: 'selection', 'grimoire eval': 'selection' },
  // a count in scale family, a file in train and finetune
  '--validation': { finetune: 'file', 'scale family': 'number', train: 'file' },
};

function leafCommands(command: Command, path: string[] = []): [string, Command][] {
  return command.commands.flatMap((sub) =>
    sub.commands.length ? leafCommands(sub, [...path, sub.name()]) : [[[...path, sub.name()].join(' '), sub] as [string, Command]],
  );
}

function kindOf(flags: string): string {
  const placeholder = /<([^>.]+)(\.\.\.)?>/.exec(flags)?.[1];
  if (!placeholder) return 'switch';
  return SAME_KIND[placeholder] ?? placeholder;
}

function conflicts(): Record<string, Record<string, string>> {
  const kinds = new Map<string, Map<string, string>>();
  for (const [name, command] of leafCommands(buildProgram())) {
    for (const option of command.options.filter((o) => AUDITED.includes(o.long!))) {
      const byCommand = kinds.get(option.long!) ?? new Map<string, string>();
      byCommand.set(name, kindOf(option.flags));
      kinds.set(option.long!, byCommand);
    }
  }
  return Object.fromEntries(
    [...kinds].filter(([, byCommand]) => new Set(byCommand.values()).size > 1).map(([flag, byCommand]) => [flag, Object.fromEntries(byCommand)]),
  );
}

describe('flag names', () => {
  it('an audited flag takes the same kind of value in every command (known conflicts listed, none new)', () => {
    expect(conflicts()).toEqual(KNOWN_CONFLICTS);
  });

  it('the audit sees the flags it checks', () => {
    const seen = new Set(leafCommands(buildProgram()).flatMap(([, command]) => command.options.map((o) => o.long!)));
    for (const flag of ['--prompt', '--demos', '--shots', '--validation', '--validation-size', '--validation-fraction']) expect(seen, flag).toContain(flag);
  });
});
