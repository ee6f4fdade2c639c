/**
 * Doc tests (issue #19): every fenced block of README.md and docs/*.md is checked, so no example can rot.
 * - sh: each `apprentice …` command is parsed by the real command line (commands, flags, required options
 *   and arguments; the action is not run, so the paid-provider examples need no key). Commands abbreviated
 *   with `...`/`…` and `--config` files that do not exist are listed, not checked.
 * - ts: compiled with tsc against the built package's public entries (`apprentice/models`, …), unless
 *   annotated `<!-- doctest: fragment -->` (an excerpt with free names).
 * - json: parsed, unless it elides values with `...`.
 * - yaml with an `evals:` key: a project file (apprentice.yaml) checked against its schema.
 * The README's quickstart itself runs in test/cli/quickstart.test.ts and test/package/install.slow.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildProgram } from '../support/fullProgram.js';
import { projectSchema } from '../../src/cli/project/schema.js';
import { apprenticeCommands, docBlocks, docFiles, type DocBlock } from '../support/docBlocks.js';
import { PROJECT_ROOT } from '../support/runCli.js';

const blocks: DocBlock[] = docFiles(PROJECT_ROOT).flatMap((file) => docBlocks(PROJECT_ROOT, file));
const checked = (block: DocBlock) => !block.annotation?.startsWith('skip');

/**
 * Parses argv with the real program, every action replaced by nothing; the error message, or null. Asynchronously,
 * as bin/apprentice.js does: eval's project-file hook is async, and a synchronous parse would lose its errors.
 */
async function parseOnly(argv: string[]): Promise<string | null> {
  const program = buildProgram();
  let errorOutput = '';
  const quiet = (command: Command): void => {
    command.exitOverride();
    command.configureOutput({ writeOut: () => undefined, writeErr: (text) => (errorOutput += text) });
    if (command.commands.length === 0) command.action(() => undefined);
    command.commands.forEach(quiet);
  };
  quiet(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return null;
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return null; // --help, --version
    return `${error instanceof Error ? error.message : String(error)} ${errorOutput}`.trim();
  }
}

describe('doc tests', () => {
  it('finds the blocks of README.md and docs/', () => {
    expect(blocks.filter((b) => b.language === 'sh').length).toBeGreaterThan(15);
    expect(blocks.filter((b) => b.language === 'ts').length).toBeGreaterThan(3);
  });

  it('every apprentice command in a shell block parses with the current flags', async () => {
    const failures: string[] = [];
    let parsed = 0;
    for (const block of blocks.filter((b) => b.language === 'sh' && checked(b))) {
      for (const command of apprenticeCommands(block)) {
        if (command.argv.some((arg) => arg === '...' || arg.includes('…'))) continue;
        const config = command.argv.indexOf('--config');
        if (config >= 0 && !existsSync(join(PROJECT_ROOT, command.argv[config + 1] ?? ''))) continue;
        const error = await parseOnly(command.argv);
        parsed += 1;
        if (error) failures.push(`${block.file}:${command.line}: ${command.text}\n    ${error}`);
      }
    }
    expect(failures.join('\n')).toBe('');
    expect(parsed).toBeGreaterThan(40);
  });

  it('a command with a wrong flag fails the check (the check can fail)', async () => {
    expect(await parseOnly(['eval', '--dataset', 'svamp:x', '--limt', '5'])).toMatch(/unknown option '--limt'/);
    expect(await parseOnly(['train', '--data', 'x.jsonl'])).toMatch(/required option '--\S+ <\w+>' not specified/);
  });

  it('every json block parses', () => {
    for (const block of blocks.filter((b) => b.language === 'json' && checked(b) && !/\.\.\.|…/.test(b.code))) {
      expect(() => JSON.parse(block.code), `${block.file}:${block.line}`).not.toThrow();
    }
  });

  it('every yaml block that lists evals is a valid project file (apprentice.yaml)', () => {
    const projects = blocks.filter((b) => b.language === 'yaml' && checked(b) && /^evals:/m.test(b.code));
    expect(projects.length).toBeGreaterThanOrEqual(1);
    for (const block of projects) {
      const checkedProject = projectSchema.safeParse(YAML.parse(block.code));
      expect(checkedProject.success ? '' : JSON.stringify(checkedProject.error.issues), `${block.file}:${block.line}`).toBe('');
    }
  });

  it('every ts block compiles against the built package entries', () => {
    expect(existsSync(join(PROJECT_ROOT, 'dist', 'api', 'models.d.ts')), 'run `npm run build` first').toBe(true);
    const dir = join(PROJECT_ROOT, '.doctest');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    for (const block of blocks.filter((b) => b.language === 'ts' && checked(b) && b.annotation !== 'fragment')) {
      const name = `${block.file.replace(/[/.]/g, '_')}_${block.line}.ts`;
      writeFileSync(join(dir, name), `// ${block.file}:${block.line}\n${block.code}\nexport {};\n`);
      files.push(name);
    }
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        files,
      }),
    );
    try {
      const tsc = spawnSync(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], {
        encoding: 'utf8',
      });
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);
      expect(files.length).toBeGreaterThanOrEqual(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
