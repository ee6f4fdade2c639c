/** Item 9 of issue 16: the dashboard never follows a symbolic link out of the runs folder. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDashboardApp } from '../../src/server/dashboard/app.js';

function runFolder(dir: string, secret: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ identity: { dataset: 'x', split: 'test', examples: [0] }, command: 'eval' }));
  writeFileSync(
    join(dir, 'records.jsonl'),
    JSON.stringify({ index: 0, id: 'a', input: secret, target: 'y', output: 'y', answer: 'y', correct: true, valid: true }) + '\n',
  );
}

describe('dashboard and symbolic links', () => {
  const outside = mkdtempSync(join(tmpdir(), 'apprentice-outside-'));
  runFolder(join(outside, 'private-run'), 'PRIVATE-OUTSIDE-TEXT');
  writeFileSync(join(outside, 'private.jsonl'), JSON.stringify({ index: 0, input: 'PRIVATE-OUTSIDE-TEXT' }) + '\n');

  const root = mkdtempSync(join(tmpdir(), 'apprentice-root-'));
  runFolder(join(root, 'own-run'), 'own text');
  symlinkSync(join(outside, 'private-run'), join(root, 'linked-run'));
  mkdirSync(join(root, 'mixed'));
  writeFileSync(join(root, 'mixed', 'config.json'), JSON.stringify({ identity: {} }));
  symlinkSync(join(outside, 'private.jsonl'), join(root, 'mixed', 'records.jsonl'));
  // Folders of the other kinds whose results file is a link to a file outside.
  writeFileSync(join(outside, 'private.json'), JSON.stringify({ note: 'PRIVATE-OUTSIDE-TEXT' }));
  for (const [name, file] of [
    ['grimoire-eval', 'summary.json'],
    ['sweep', 'results.json'],
    ['scaling', 'analysis.json'],
  ] as const) {
    mkdirSync(join(root, name));
    if (name === 'grimoire-eval') writeFileSync(join(root, name, 'config.json'), JSON.stringify({ command: 'grimoire eval', identity: {} }));
    symlinkSync(join(outside, 'private.json'), join(root, name, file));
  }
  const app = buildDashboardApp({ runsDir: root, uiDir: root });
  afterAll(async () => {
    await app.close();
    for (const dir of [root, outside]) rmSync(dir, { recursive: true, force: true });
  });
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { host: '127.0.0.1' } });

  it('serves a run inside the root', async () => {
    expect((await get('/api/run?id=own-run')).statusCode).toBe(200);
  });

  it('refuses a run folder that is a link to a folder outside the root', async () => {
    const response = await get('/api/run?id=linked-run');
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('PRIVATE-OUTSIDE-TEXT');
  });

  it('refuses a run whose records file is a link to a file outside the root', async () => {
    const response = await get('/api/run?id=mixed');
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('PRIVATE-OUTSIDE-TEXT');
  });

  it('lists no linked run and compares none', async () => {
    expect((await get('/api/runs')).body).not.toContain('linked-run');
    expect((await get('/api/compare?id=own-run&id=linked-run')).body).not.toContain('PRIVATE-OUTSIDE-TEXT');
  });

  it('shows no grimoire evaluation, sweep or scaling analysis read through a link to a file outside', async () => {
    for (const url of ['/api/runs', '/api/scaling', '/api/grimoire?id=grimoire-eval', '/api/distill?id=sweep']) {
      const response = await get(url);
      expect(response.body, url).not.toContain('PRIVATE-OUTSIDE-TEXT');
    }
    expect((await get('/api/grimoire?id=grimoire-eval')).statusCode).toBe(404);
    expect((await get('/api/distill?id=sweep')).statusCode).toBe(404);
    expect((await get('/api/runs')).body).not.toContain('grimoire-eval');
  });

  it('refuses a cell id whose sweep folder would be above the root', async () => {
    const response = await get('/api/distill/cell?id=own-run');
    expect(response.statusCode).toBe(404);
  });
});
