/**
 * Options declared once (src/cli/options.ts): one spec gives the flag, its default, whether it is
 * required or repeatable, and the check of its value, from the command line or a `--config` file.
 * In process, on small commands built from specs, and over the whole `apprentice` program for help and errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { z } from 'zod';
import { addConfigOption } from '../../src/cli/config.js';
import { markRequiredOptionsInHelp, showUsageLineAfterErrors } from '../../src/cli/help.js';
import { buildProgram } from '../support/fullProgram.js';
import { addOptions, configFrom, option, type OptionSpecs, type OptionValues, parseOptions } from '../../src/cli/options.js';
import { commaList, positiveInt } from '../../src/cli/validate.js';
import { InputError } from '../../src/util/errors.js';

const specs = {
  model: option('--model <spec>', 'the model', z.string().min(1), { required: true }),
  maxTokens: option('--max-tokens <n>', 'longest answer', positiveInt, { default: '64' }),
  labels: option('--labels <a,b>', 'label set', commaList.optional()),
  scores: option('--scores <file...>', 'score files', z.array(z.string()).optional()),
  generic: option('--generic <name=dataset>', 'out-of-task set (repeatable)', z.array(z.string()).optional(), { repeatable: true }),
  progress: option('--no-progress', 'no progress output', z.boolean()),
};

/** Parses `args` with a `run` command made of `declared`, with `--config`, and returns the checked values. */
async function parse<O extends OptionSpecs>(declared: O, args: string[]): Promise<OptionValues<O>> {
  const program = new Command('t').exitOverride();
  let values: OptionValues<O> | undefined;
  const run = program.command('run').configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  addOptions(run, declared).action((raw: Record<string, unknown>) => {
    values = parseOptions(declared, raw);
  });
  addConfigOption(program);
  await program.parseAsync(['run', ...args], { from: 'user' });
  return values!;
}

function configFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'apprentice-options-')), name);
  writeFileSync(path, text);
  return path;
}

describe('an option declared once', () => {
  it('gets its default, coerced by its schema, when it is not given', async () => {
    const values = await parse(specs, ['--model', 'replay:x']);
    expect(values).toEqual({ model: 'replay:x', maxTokens: 64, progress: true });
    expect((await parse(specs, ['--model', 'm', '--max-tokens', '8', '--no-progress'])).maxTokens).toBe(8);
  });

  it('comes from a config file under its camelCase or kebab-case name; a flag on the command line wins in either order', async () => {
    const file = configFile('run.yaml', 'model: replay:x\nmax-tokens: 12\nlabels: [no, yes]\nprogress: false\n');
    expect(await parse(specs, ['--config', file])).toEqual({ model: 'replay:x', maxTokens: 12, labels: ['no', 'yes'], progress: false });
    expect((await parse(specs, ['--config', file, '--max-tokens', '3'])).maxTokens).toBe(3);
    expect((await parse(specs, ['--max-tokens', '3', '--config', file])).maxTokens).toBe(3);
    const json = configFile('run.json', JSON.stringify({ model: 'm', maxTokens: 5 }));
    expect((await parse(specs, ['--config', json])).maxTokens).toBe(5);
  });

  it('may be required and come from the config file; missing from both, commander names it', async () => {
    const file = configFile('run.yaml', 'model: from-file\n');
    expect((await parse(specs, ['--config', file])).model).toBe('from-file');
    const error = await parse(specs, []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).code).toBe('commander.missingMandatoryOptionValue');
    expect((error as CommanderError).message).toContain('--model <spec>');
  });

  it('takes lists when variadic or repeatable, from flags and from the config file (a single value becomes a list)', async () => {
    const flags = await parse(specs, ['--model', 'm', '--scores', 'a.csv', 'b.csv', '--generic', 'x=svamp:a', '--generic', 'gsm8k:b']);
    expect(flags.scores).toEqual(['a.csv', 'b.csv']);
    expect(flags.generic).toEqual(['x=svamp:a', 'gsm8k:b']);
    const file = configFile('run.yaml', 'model: m\nscores: [a.csv, b.csv]\ngeneric: [x=svamp:a, gsm8k:b]\n');
    const fromFile = await parse(specs, ['--config', file]);
    expect(fromFile.scores).toEqual(['a.csv', 'b.csv']);
    expect(fromFile.generic).toEqual(['x=svamp:a', 'gsm8k:b']);
    const single = await parse(specs, ['--config', configFile('one.yaml', 'model: m\nscores: a.csv\ngeneric: gsm8k:b\n')]);
    expect(single.scores).toEqual(['a.csv']);
    expect(single.generic).toEqual(['gsm8k:b']);
  });

  it('rejects a bad value with a message naming the flag, from the command line or the config file', async () => {
    const fromFlag = await parse(specs, ['--model', 'm', '--max-tokens', 'many']).catch((e: unknown) => e);
    expect(fromFlag).toBeInstanceOf(InputError);
    expect((fromFlag as Error).message).toMatch(/^--max-tokens: /);
    const fromFile = await parse(specs, ['--config', configFile('bad.yaml', 'model: m\nmax-tokens: -2\n')]).catch((e: unknown) => e);
    // From a config file the message names the file, its line and the field as the file spells it.
    expect((fromFile as Error).message).toMatch(/bad\.yaml:2, field "max-tokens": /);
    const sizes = { sizes: option('--sizes <list>', 'sizes', commaList.pipe(z.array(z.enum(['tiny', 'small'])))) };
    const item = await parse(sizes, ['--sizes', 'tiny,huge']).catch((e: unknown) => e);
    expect((item as Error).message).toMatch(/^--sizes\.1: /);
  });

  it('names an unknown key of the config file', async () => {
    const error = await parse(specs, ['--config', configFile('typo.yaml', 'model: m\nmax-tokenz: 3\n')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain('max-tokenz');
  });

  it('must be keyed by its own name, so the flag, the config key and the value cannot drift apart', () => {
    const wrong = { maxTokens: option('--max-token <n>', 'longest answer', positiveInt) };
    expect(() => addOptions(new Command('x'), wrong)).toThrow(/maxTokens.*--max-token <n>/);
  });
});

describe('a renamed option (deprecatedAlias)', () => {
  const renamed = {
    promptStyle: option('--prompt-style <style>', 'prompt style', z.enum(['zero-shot', 'cot']).optional(), { deprecatedAlias: '--prompt' }),
    scores: option('--scores <file...>', 'score files', z.array(z.string()).optional(), { deprecatedAlias: '--score-files' }),
    generic: option('--generic <name=dataset>', 'repeatable', z.array(z.string()).optional(), { repeatable: true, deprecatedAlias: '--general' }),
  };

  /** Parses and returns the values with every line written to stderr. */
  async function parseWarned(args: string[]): Promise<{ values: OptionValues<typeof renamed>; warnings: string[] }> {
    const warnings: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      warnings.push(String(chunk));
      return true;
    });
    try {
      return { values: await parse(renamed, args), warnings };
    } finally {
      spy.mockRestore();
    }
  }

  it('takes its old flag for one release: the value reaches the new option, with one line naming the new flag', async () => {
    const { values, warnings } = await parseWarned(['--prompt', 'cot', '--score-files', 'a.csv', 'b.csv', '--general', 'x', '--general', 'y']);
    expect(values).toEqual({ promptStyle: 'cot', scores: ['a.csv', 'b.csv'], generic: ['x', 'y'] });
    expect(warnings).toEqual([
      'warning: --prompt is deprecated; use --prompt-style (the old name will be removed in the next release)\n',
      'warning: --score-files is deprecated; use --scores (the old name will be removed in the next release)\n',
      'warning: --general is deprecated; use --generic (the old name will be removed in the next release)\n',
    ]);
    const current = await parseWarned(['--prompt-style', 'zero-shot']);
    expect(current.values.promptStyle).toBe('zero-shot');
    expect(current.warnings).toEqual([]);
  });

  it("checks the old flag's value as the new one, naming the new flag", async () => {
    const error = await parseWarned(['--prompt', 'chain']).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^--prompt-style: /);
  });

  it('takes its old key in a config file, warning with the file and line; a flag on the command line still wins', async () => {
    const file = configFile('old.yaml', 'scores: [a.csv]\nprompt: cot\n');
    const { values, warnings } = await parseWarned(['--config', file]);
    expect(values.promptStyle).toBe('cot');
    expect(warnings.join('')).toContain(`warning: "prompt" (${file}:2) is deprecated; use "prompt-style"`);
    expect((await parseWarned(['--prompt-style', 'zero-shot', '--config', file])).values.promptStyle).toBe('zero-shot');
  });

  it('is hidden from --help, and the "did you mean" hint offers the new name', async () => {
    const program = new Command('t').exitOverride();
    const run = program.command('run');
    addOptions(run, renamed);
    expect(helpOf(run)).toContain('--prompt-style');
    expect(helpOf(run)).not.toMatch(/--prompt\b(?!-)/);
    let stderr = '';
    run.configureOutput({ writeErr: (s) => (stderr += s) });
    await program.parseAsync(['run', '--prompt-styel', 'cot'], { from: 'user' }).catch(() => undefined);
    expect(stderr).toContain('(Did you mean --prompt-style?)');
  });
});

/** Every command that runs something, with its path from `apprentice`. */
function leaves(command: Command, path: string[] = []): { command: Command; path: string[] }[] {
  const here = [...path, command.name()];
  return command.commands.length ? command.commands.flatMap((sub) => leaves(sub, here)) : [{ command, path: here }];
}

function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (s) => (text += s) });
  command.outputHelp();
  return text;
}

describe('apprentice --help and parse errors', () => {
  it('every command shows examples of itself and marks each required option', () => {
    const program = buildProgram();
    const all = leaves(program);
    expect(all.length).toBeGreaterThan(15);
    for (const { command, path } of all) {
      const help = helpOf(command);
      expect(help, path.join(' ')).toContain(`Examples:\n  $ ${path.join(' ')}`);
      for (const option of command.options.filter((o) => o.mandatory)) {
        const line = help.slice(help.indexOf(`  ${option.flags} `));
        expect(line.slice(0, line.indexOf('\n  -')), `${path.join(' ')} ${option.flags}`).toContain('(required)');
      }
    }
    for (const group of [program, ...program.commands.filter((c) => c.commands.length)]) expect(helpOf(group), group.name()).toContain('Examples:');
  });

  it('a flag typo prints the error, the "did you mean" hint and one usage line, not the whole help', async () => {
    const program = buildProgram();
    let stderr = '';
    const evalCommand = program.commands.find((c) => c.name() === 'eval')!;
    evalCommand.configureOutput({ writeErr: (s) => (stderr += s) });
    await expect(program.parseAsync(['eval', '--dataset', 'jsonl:x.jsonl', '--modle', 'x'], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
    expect(stderr.trimEnd().split('\n')).toEqual([
      "error: unknown option '--modle'",
      '(Did you mean --model?)',
      'usage: apprentice eval [options]  (more: apprentice eval --help)',
    ]);
  });

  it('the usage line is set on commands made before and after it too (groups and their commands)', () => {
    const program = new Command('p');
    markRequiredOptionsInHelp(program);
    const group = program.command('g');
    group.command('leaf').argument('<dir>');
    showUsageLineAfterErrors(program);
    let stderr = '';
    const leaf = group.commands[0]!.exitOverride().configureOutput({ writeErr: (s) => (stderr += s) });
    expect(() => leaf.parse(['--nope', 'd'], { from: 'user' })).toThrow(CommanderError);
    expect(stderr).toContain('usage: p g leaf [options] <dir>');
  });
});

describe("an option's destination (to)", () => {
  const routed = {
    model: option('--model <spec>', 'the model', z.string().min(1), { required: true, to: 'weak' }),
    maxTokens: option('--max-tokens <n>', 'longest answer', positiveInt, { default: '64', to: 'answer.maxTokens' }),
    temperature: option('--temperature <t>', 'sampling', z.coerce.number(), { default: '0', to: 'answer.temperature' }),
    labels: option('--labels <a,b>', 'label set', commaList.optional(), { to: 'labels' }),
    progress: option('--no-progress', 'no progress output', z.boolean()),
  };

  it('puts each value at its path, nested by dots, unset optional ones as undefined, and leaves out options without one', async () => {
    const config = configFrom(routed, await parse(routed, ['--model', 'replay:x', '--temperature', '0.5', '--no-progress']));
    expect(config).toStrictEqual({ weak: 'replay:x', answer: { maxTokens: 64, temperature: 0.5 }, labels: undefined });
    expectTypeOf(config).toEqualTypeOf<{ weak: string; answer: { maxTokens: number; temperature: number }; labels: string[] | undefined }>();
  });

  it('follows a spec spread with another destination, or none', async () => {
    const changed = { ...routed, model: { ...routed.model, to: 'strong' as const }, labels: { ...routed.labels, to: undefined } };
    const config = configFrom(changed, await parse(changed, ['--model', 'm', '--labels', 'a,b']));
    expect(config).toStrictEqual({ strong: 'm', answer: { maxTokens: 64, temperature: 0 } });
    expectTypeOf(config).toEqualTypeOf<{ strong: string; answer: { maxTokens: number; temperature: number } }>();
  });
});
