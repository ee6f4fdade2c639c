/** Ctrl-C during `eval` says what is saved and prints the command that resumes (issue #19). */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { interruptionMessage, resumeCommand } from '../../src/cli/interrupt.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { lastJson, runCli } from '../support/runCli.js';

const servers: FakeOpenAIServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe('Ctrl-C', () => {
  it('quotes the resume command for a shell and names each saved folder with its records', () => {
    expect(resumeCommand(['node', 'apprentice', 'eval', '--input-template', "it's {text}", '--limit', '5'])).toBe(
      `apprentice eval --input-template 'it'\\''s {text}' --limit 5`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-int-'));
    writeFileSync(join(dir, 'records.jsonl'), '{"index":0}\n{"index":1}\n');
    expect(interruptionMessage(['node', 'apprentice', 'eval'], [dir])).toContain(`${dir} (2 records)`);
    expect(interruptionMessage(['node', 'apprentice', 'eval'], [])).toContain('Nothing was saved yet.');
  });

  it('during eval: exits 130, names the run folder, and the printed command resumes it', async () => {
    const server = await startFakeOpenAIServer({ thread: false, latencyMs: 300 });
    servers.push(server);
    const dir = mkdtempSync(join(tmpdir(), 'apprentice-int-'));
    const rows = Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `review ${i}`, label: i % 2 }));
    writeFileSync(join(dir, 'reviews.jsonl'), rows.join('\n') + '\n');
    const args = [
      'eval',
      '--dataset',
      `jsonl:${join(dir, 'reviews.jsonl')}`,
      '--input-field',
      'text',
      '--label-field',
      'label',
      '--labels',
      'negative,positive',
      '--model',
      `openai:fake@${server.url}`,
      '--concurrency',
      '1',
      '--runs',
      join(dir, 'runs'),
      '--no-progress',
      '--json',
    ];
    const interrupted = await runCli(args, {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (server.requests.length >= 3) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 50);
      },
    });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(
      /interrupted\.\nWhat finished is saved:\n {2}\S+ \(\d+ records?\)\nResume with the same command:\n {2}apprentice eval --dataset/,
    );
    const folder = interrupted.stderr.match(/saved:\n {2}(\S+) \(/)![1]!;
    expect(existsSync(join(folder, '.lock'))).toBe(false);
    const saved = readFileSync(join(folder, 'records.jsonl'), 'utf8').trim().split('\n').length;
    expect(saved).toBeGreaterThan(0);

    const resumed = await runCli(args);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lastJson(resumed)).toMatchObject({ resumed: true, n: 30, runDir: folder });
    expect(server.requests.length).toBeLessThanOrEqual(30 + 1);
  });
});
