/**
 * Issue #19: the packed package installs in an empty folder from npm's cache alone (no network, no
 * flag), its command runs the offline quickstart, every `exports` entry imports, and a TypeScript file that
 * names the entries' types compiles against the installed declarations.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileConsumer } from '../support/consumerTypes.js';
import { emptyProject, installOffline, packTarball, run, userEnv } from '../support/packedPackage.js';

const SUBPATHS = ['apprentice', 'apprentice/models', 'apprentice/eval', 'apprentice/grimoire', 'apprentice/distill', 'apprentice/engine', 'apprentice/server'];

describe('the packed package', () => {
  const folders: string[] = [];
  // node_modules is about 1 GB: removing it takes longer than the default hook timeout on a busy machine.
  afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })), 600_000);

  it('installs offline with no flag, runs `npx apprentice quickstart --scale tiny`, imports every entry and compiles against its types', async () => {
    const tarball = await packTarball();
    const project = emptyProject();
    folders.push(project, join(tarball, '..'));

    const installed = await installOffline(tarball, project);
    expect(installed.code, installed.stderr).toBe(0);
    const megabytes = Number(execFileSync('du', ['-sm', join(project, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);
    process.stdout.write(`offline install: ${installed.seconds.toFixed(0)} s, node_modules ${megabytes} MB\n`);

    const quickstart = await run('npx', ['apprentice', 'quickstart', '--scale', 'tiny', '--no-progress'], project, userEnv({ APPRENTICE_CACHE: 'none' }));
    expect(quickstart.code, quickstart.stderr).toBe(0);
    expect(quickstart.stdout).toMatch(/SMOKE TEST/);
    expect(existsSync(join(project, 'runs', 'quickstart', 'report.html'))).toBe(true);

    for (const subpath of SUBPATHS) {
      const imported = await run(
        process.execPath,
        ['--input-type=module', '-e', `const m = await import(${JSON.stringify(subpath)}); console.log(JSON.stringify(Object.keys(m).sort()));`],
        project,
      );
      expect(imported.code, `${subpath}: ${imported.stderr}`).toBe(0);
      expect((JSON.parse(imported.stdout) as string[]).length, subpath).toBeGreaterThan(0);
    }
    const spec = await run(
      process.execPath,
      ['--input-type=module', '-e', "import { parseModelSpec } from 'apprentice/models'; console.log(JSON.stringify(parseModelSpec('openai:gpt-4o-mini')))"],
      project,
    );
    expect(spec.code, spec.stderr).toBe(0);
    expect(JSON.parse(spec.stdout)).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' });

    const types = await compileConsumer(project);
    expect(types.code, types.stdout + types.stderr).toBe(0);
  });
});
