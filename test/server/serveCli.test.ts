/** `apprentice serve` as a user runs it: a GGUF file, port 0, an OpenAI client, Ctrl-C. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeCli } from '../support/serveCli.js';
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
    const serving = await startServeCli([tiny.path, '--port', '0'], { env: { NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' } });
    const { baseURL, output } = serving;
    expect(output).toMatch(/^serving tiny \(gguf:.*tiny\.gguf\) at http:\/\/127\.0\.0\.1:\d+\/v1\n/);
    const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3, temperature: 0 });
    expect(completion.usage?.completion_tokens).toBe(3);
    const exit = await serving.stop();
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stdout).toMatch(/served 1 calls \(0 from the cache, 0 failed\): \d+ prompt \+ 3 completion tokens/);
  });

  it('answers under --name only, and with --parallel decodes concurrent requests together with the same answers', async () => {
    const serving = await startServeCli([tiny.path, '--port', '0', '--name', 'student', '--parallel', '2'], { env: { NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' } });
    try {
      const client = new OpenAI({ baseURL: serving.baseURL, apiKey: 'unused', maxRetries: 0 });
      const ask = (content: string) =>
        client.chat.completions.create({ model: 'student', messages: [{ role: 'user', content }], max_tokens: 4, temperature: 0 });
      const questions = ['hi', 'the quick fox', 'apples', 'a lazy dog'];
      const together = await Promise.all(questions.map(ask));
      const oneByOne = [];
      for (const question of questions) oneByOne.push(await ask(question));
      expect(together.map((c) => c.choices[0]?.message.content)).toEqual(oneByOne.map((c) => c.choices[0]?.message.content));
      await expect(client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 })).rejects.toMatchObject({
        status: 404,
      });
    } finally {
      const exit = await serving.stop();
      expect(exit.code, exit.stderr).toBe(0);
    }
  });
});
