/**
 * The command starts fast: describing commands and options loads no model layer, engine, chart, server
 * or clustering package; `apprentice <command>` loads that command's module and no other's; each command
 * loads what it needs when it runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, programForArgv } from '../../src/cli/program.js';
import { buildProgram } from '../support/fullProgram.js';
import { PROJECT_ROOT } from '../support/runCli.js';

/**
 * Module hooks that print every npm package the process resolves: imported (the loader hook) or required
 * (CommonJS resolution, which also sees a package loaded on first use through createRequire); and every
 * file of the command's bundles (dist/bundle and eval's own dist/bundle-eval, made by scripts/bundle-cli.ts) it loads.
 */
const TRACE_HOOK = `
import Module, { register } from 'node:module';
const required = new Set();
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args);
  const match = /node_modules\\/((@[^/]+\\/)?[^/]+)\\//.exec(file);
  if (match && !required.has(match[1])) { required.add(match[1]); process.stderr.write('package ' + match[1] + '\\n'); }
  return file;
};
register('data:text/javascript,' + encodeURIComponent(\`
const seen = new Set();
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const match = /node_modules\\\\/((@[^/]+\\\\/)?[^/]+)\\\\//.exec(resolved.url);
  if (match && !seen.has(match[1])) { seen.add(match[1]); process.stderr.write('package ' + match[1] + '\\\\n'); }
  if ((resolved.url.includes('/dist/bundle/') || resolved.url.includes('/dist/bundle-eval/')) && !seen.has(resolved.url)) { seen.add(resolved.url); process.stderr.write('bundled ' + resolved.url + '\\\\n'); }
  return resolved;
}\`));
`;

function traceOf(args: string[], cwd = PROJECT_ROOT): string {
  const result = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(TRACE_HOOK)}`, join(PROJECT_ROOT, 'bin', 'apprentice.js'), ...args],
    { encoding: 'utf8', cwd },
  );
  expect(result.status, result.stderr).toBe(0);
  return result.stderr;
}

type Metafile = { outputs: Record<string, { inputs: Record<string, unknown> }> };
const metafileOf = (bundle: string) => JSON.parse(readFileSync(join(PROJECT_ROOT, 'dist', bundle, 'meta.json'), 'utf8')) as Metafile;
/** What each file of the bundles (every command's, and eval's own) holds: esbuild's metafiles, keyed by paths from the project's root. */
const bundleMeta: Metafile = { outputs: { ...metafileOf('bundle').outputs, ...metafileOf('bundle-eval').outputs } };

/** What the process loaded, from the trace: npm packages and compiled modules, those inside bundle files included. */
function modulesLoadedBy(args: string[], cwd?: string): { packages: Set<string>; compiled: Set<string> } {
  const trace = traceOf(args, cwd);
  const packages = new Set([...trace.matchAll(/^package (\S+)$/gm)].map((m) => m[1]!));
  const compiled = new Set<string>();
  for (const [, url] of trace.matchAll(/^bundled (\S+)$/gm)) {
    const output = bundleMeta.outputs[relative(PROJECT_ROOT, fileURLToPath(url!))];
    expect(output, `${url} is not in its bundle's meta.json`).toBeDefined();
    for (const input of Object.keys(output!.inputs)) {
      const bundledPackage = /node_modules\/((@[^/]+\/)?[^/]+)\//.exec(input);
      if (bundledPackage) packages.add(bundledPackage[1]!);
      else compiled.add(input);
    }
  }
  return { packages, compiled };
}

function packagesLoadedBy(args: string[]): string[] {
  return [...modulesLoadedBy(args).packages];
}

/** The bundles (dist/<bundle>/) the process loaded files from. */
function bundlesLoadedBy(args: string[]): string[] {
  return [...new Set([...traceOf(args).matchAll(/^bundled \S+\/dist\/([^/]+)\//gm)].map((m) => m[1]!))];
}

/** The command modules (dist/cli/commands/<name>.js) whose code the process loaded. */
function commandModulesLoadedBy(args: string[]): string[] {
  return [...modulesLoadedBy(args).compiled].flatMap((input) => /^dist\/cli\/commands\/(\w+)\.js$/.exec(input)?.[1] ?? []);
}

/** Each command and subcommand's --help text, by its path (`scale run`). */
function helpTexts(program: Command): Map<string, string> {
  const texts = new Map<string, string>();
  const visit = (command: Command, path: string[]): void => {
    texts.set(path.join(' '), command.helpInformation());
    for (const sub of command.commands) visit(sub, [...path, sub.name()]);
  };
  for (const command of program.commands) visit(command, [command.name()]);
  return texts;
}

const HEAVY = [
  'vega',
  'vega-lite',
  '@tensorflow/tfjs-core',
  'onnxruntime-node',
  'node-llama-cpp',
  'fastify',
  'better-sqlite3',
  'openai',
  '@anthropic-ai/sdk',
  'ml-kmeans',
];

describe('apprentice start-up', () => {
  it('describes its commands and their options without loading the heavy packages', () => {
    for (const args of [['--help'], ['eval', '--help'], ['train', '--help'], ['scale', 'run', '--help'], ['distill', 'run', '--help']]) {
      const loaded = packagesLoadedBy(args);
      expect(loaded, args.join(' ')).toContain('commander');
      for (const heavy of HEAVY) expect(loaded, `${args.join(' ')} loaded ${heavy}`).not.toContain(heavy);
    }
  });

  it("loads a command's own packages when it runs (the trace sees them)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-startup-'));
    const rows = join(dir, 'rows.csv');
    writeFileSync(rows, 'model,params,task,metric,score\na,1e8,t,acc,0.1\nb,1e9,t,acc,0.5\n');
    const loaded = packagesLoadedBy(['scale', 'analyze', rows, '--out', join(dir, 'report'), '--json']);
    expect(loaded).toEqual(expect.arrayContaining(['csv-parse', 'vega', 'vega-lite']));
  });

  it("`apprentice <command>` loads that command's module only", () => {
    expect(commandModulesLoadedBy(['eval', '--help']).sort()).toEqual(['eval']);
    expect(commandModulesLoadedBy(['train', '--help']).sort()).toEqual(['train']);
    expect(commandModulesLoadedBy(['--help']).sort()).toEqual(COMMANDS.map((entry) => entry.name).sort());
  });

  it('`apprentice eval` runs from its own bundle, every other command from the bundle of all', () => {
    expect(bundlesLoadedBy(['eval', '--help'])).toEqual(['bundle-eval']);
    expect(bundlesLoadedBy(['train', '--help'])).toEqual(['bundle']);
    expect(bundlesLoadedBy(['--help'])).toEqual(['bundle']);
  });

  it("the project file's schema (built from every eval option) is loaded only when there is a project file", () => {
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-startup-'));
    expect(modulesLoadedBy(['eval', '--help'], dir).compiled).not.toContain('dist/cli/project/schema.js');
    writeFileSync(join(dir, 'apprentice.yaml'), 'defaults:\n  seed: 1\nevals:\n  - name: one\n');
    expect(modulesLoadedBy(['eval', '--help'], dir).compiled).toContain('dist/cli/project/schema.js');
  });

  it('a command loaded alone parses and describes itself exactly as in the whole program', async () => {
    const whole = helpTexts(buildProgram());
    for (const { name } of COMMANDS) {
      const alone = await programForArgv(['node', 'apprentice', name]);
      expect(alone.commands.map((command) => command.name())).toEqual([name]);
      for (const [path, text] of helpTexts(alone)) expect(text, path).toBe(whole.get(path));
    }
    const every = await programForArgv(['node', 'apprentice', '--help']);
    expect(every.commands.map((command) => command.name())).toEqual(COMMANDS.map((entry) => entry.name));
    expect(every.helpInformation()).toBe(buildProgram().helpInformation());
  });
});
