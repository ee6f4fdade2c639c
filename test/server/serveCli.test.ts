/** `apprentice serve` as a user runs it: a GGUF file, port 0, an OpenAI client, Ctrl-C. */
import type { ChildProcess } from 'node:child_process';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/runCli.js';
import { writeTinyGguf, type TinyModel } from '../support/tinyGguf.js';

let tiny: TinyModel;
beforeAll(async () => {
  tiny = await writeTinyGguf({ seed: 42 });
});
afterAll(async () => {
  await tiny?.cleanup();
});

describe('apprentice serve', () => {
  it('serves a .gguf file on loopback until interrupted, then prints what it served', async () => {
    let child: ChildProcess | undefined;
    let output = '';
    const result = runCli(['serve', tiny.path, '--port', '0'], {
      env: { NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' },
      onSpawn: (spawned) => (child = spawned),
    });
    const url = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 60_000);
      child!.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /at (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      void result.then((exit) => reject(new Error(`exited early (${exit.code}): ${exit.stderr}`)));
    });
    const baseURL = await url;
    expect(output).toMatch(/^serving tiny \(gguf:.*tiny\.gguf\) at http:\/\/127\.0\.0\.1:\d+\/v1\n/);
    const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3, temperature: 0 });
    expect(completion.usage?.completion_tokens).toBe(3);
    child!.kill('SIGINT');
    const exit = await result;
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stdout).toMatch(/served 1 calls \(0 from the cache, 0 failed\): \d+ prompt \+ 3 completion tokens/);
  });
});
