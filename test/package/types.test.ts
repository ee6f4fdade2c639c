/**
 * Issue #19: a TypeScript user can name the types of the public entries. A consumer file is type-checked
 * against the built package (dist/, through package.json's `exports`, as node_modules/apprentice links it);
 * test/package/install.slow.test.ts checks the same file against the packed and installed tarball.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileConsumer } from '../support/consumerTypes.js';
import { PROJECT_ROOT } from '../support/runCli.js';

describe('the public types', () => {
  const project = mkdtempSync(join(tmpdir(), 'apprentice-types-'));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(PROJECT_ROOT, join(project, 'node_modules', 'apprentice'), 'dir');
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('are reachable from the entries: a consumer file compiles with tsc --noEmit', async () => {
    const compiled = await compileConsumer(project);
    expect(compiled.code, compiled.stdout + compiled.stderr).toBe(0);
  }, 120_000);

  it('stop at the entries: a type no entry exports cannot be imported', async () => {
    const compiled = await compileConsumer(project, "import type { RouteContext } from 'apprentice/server';\nexport type Context = RouteContext;\n");
    expect(compiled.code).not.toBe(0);
    expect(compiled.stdout).toMatch(/has no exported member 'RouteContext'/);
  }, 120_000);
});
