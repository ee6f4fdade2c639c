/**
 * Flag names mean one thing across commands (issue #19): each audited flag (the prompt, demonstration
 * and validation-size flags) takes the same kind of value in every command that has it (its
 * `<placeholder>`, or none for a switch). A flag that takes a style in one command and a file in another
 * fails here. Deprecated aliases (hidden from --help, kept one release) are not part of the audit.
 */
import type { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../support/fullProgram.js';

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

const AUDITED = [
  '--prompt',
  '--prompt-style',
  '--style',
  '--prompting',
  '--demos',
  '--demos-file',
  '--demo-split',
  '--shots',
  '--validation',
  '--validation-size',
  '--validation-fraction',
];

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
    for (const option of command.options.filter((o) => !o.hidden && AUDITED.includes(o.long!))) {
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
  it('an audited flag takes the same kind of value in every command: no conflict at all', () => {
    expect(conflicts()).toEqual({});
  });

  it('the audit sees the flags it checks', () => {
    const seen = new Set(leafCommands(buildProgram()).flatMap(([, command]) => command.options.filter((o) => !o.hidden).map((o) => o.long!)));
    for (const flag of ['--prompt', '--prompt-style', '--demos', '--demos-file', '--shots', '--validation', '--validation-size', '--validation-fraction']) {
      expect(seen, flag).toContain(flag);
    }
  });

  it('the renamed flags are where a user looks for them, and their former names are hidden from --help', () => {
    const commands = new Map(leafCommands(buildProgram()));
    const renamed: [string, string, string][] = [
      ['eval', '--prompt-style', '--prompt'],
      ['cascade calibrate', '--prompt-style', '--style'],
      ['distill annotate', '--demos-file', '--demos'],
      ['scale family', '--validation-size', '--validation'],
    ];
    for (const [name, current, former] of renamed) {
      const command = commands.get(name)!;
      const help = command.helpInformation();
      expect(help, name).toContain(current);
      expect(help, name).not.toMatch(new RegExp(`${former}\\b(?!-)`));
      expect(command.options.find((o) => o.long === former)?.hidden, `${name} ${former}`).toBe(true);
    }
  });

  it('each former name still sets the renamed option of the real command, with one warning line', async () => {
    const cases: [string[], string, string, string][] = [
      [['eval', '--dataset', 'svamp:x', '--prompt', 'cot'], 'promptStyle', 'cot', '--prompt-style'],
      [['cascade', 'calibrate', '--style', 'cot'], 'promptStyle', 'cot', '--prompt-style'],
      [['distill', 'annotate', '--demos', 'demos.jsonl'], 'demosFile', 'demos.jsonl', '--demos-file'],
      [['scale', 'family', '--validation', '3'], 'validationSize', '3', '--validation-size'],
    ];
    for (const [argv, key, value, current] of cases) {
      const program = buildProgram();
      let parsed: Command | undefined;
      for (const [, command] of leafCommands(program)) {
        command.exitOverride();
        // Only the parse is tested: no action runs, and required options are not checked.
        for (const option of command.options) option.mandatory = false;
        command.action((_options: unknown, self: Command) => void (parsed = self));
      }
      const stderr: string[] = [];
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
      try {
        await program.parseAsync(argv, { from: 'user' });
      } finally {
        spy.mockRestore();
      }
      expect(parsed?.opts()[key], argv.join(' ')).toBe(value);
      expect(stderr, argv.join(' ')).toEqual([`warning: ${argv.at(-2)} is deprecated; use ${current} (the old name will be removed in the next release)\n`]);
    }
  });
});
