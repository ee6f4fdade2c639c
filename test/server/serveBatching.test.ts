/**
 * Continuous batching through the server: concurrent requests on a local model with parallel > 1 get the
 * answers they get one at a time, a request arriving while others decode joins them at once (it does not
 * wait for the running ones to end), and a client that goes away frees its sequence for the next request.
 * The assertions are on order and token counts, not on time: the tiny model runs to the end of its context
 * (about 230 tokens) on these prompts, so a long answer and a short one overlap by hundreds of decode steps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelHub } from '../../src/models/hub.js';
import { startApiServer, type RunningServer } from '../../src/server/index.js';
import { TINY_CHAT_TEMPLATE, writeTinyGguf, type TinyModel } from '../support/tinyGguf.js';

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = 'true';

let tiny: TinyModel;
beforeAll(async () => {
  tiny = await writeTinyGguf({ seed: 42, chatTemplate: TINY_CHAT_TEMPLATE });
}, 60_000);
afterAll(async () => {
  await tiny?.cleanup();
});

/** The tiny GGUF behind a real hub (no cache: every request reaches the model) and server. */
async function serve(parallel: number): Promise<{ url: string; close(): Promise<void> }> {
  const hub = new ModelHub({ cachePath: 'none', concurrency: 64, localParallel: parallel });
  let server: RunningServer;
  try {
    server = await startApiServer({ model: await hub.model(`gguf:${tiny.path}`), name: 'tiny', port: 0 });
  } catch (error) {
    await hub.close();
    throw error;
  }
  return {
    url: server.url,
    close: async () => {
      await server.close();
      await hub.close();
    },
  };
}

interface Streamed {
  /** Resolves with the text chunks received and the finish reason. */
  done: Promise<{ chunks: number; text: string; finishReason: string | null }>;
  /** Chunks received so far. */
  chunks(): number;
  /** Resolves once the first text chunk arrived. */
  started: Promise<void>;
}

/** A streamed greedy chat completion read chunk by chunk; `signal` cancels it as a client does. */
function streamed(url: string, content: string, maxTokens: number, signal?: AbortSignal): Streamed {
  let count = 0;
  let onStart!: () => void;
  const started = new Promise<void>((resolve) => (onStart = resolve));
  const done = (async () => {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content }], max_tokens: maxTokens, temperature: 0, stream: true }),
      signal,
    });
    expect(response.status).toBe(200);
    const decoder = new TextDecoder();
    let pending = '';
    let text = '';
    let finishReason: string | null = null;
    for await (const bytes of response.body as AsyncIterable<Uint8Array>) {
      pending += decoder.decode(bytes, { stream: true });
      const events = pending.split('\n\n');
      pending = events.pop() ?? '';
      for (const event of events) {
        const data = event.replace(/^data: /, '');
        if (data === '[DONE]') continue;
        const choice = (JSON.parse(data) as { choices: Array<{ delta: { content?: string }; finish_reason: string | null }> }).choices[0];
        if (choice?.delta.content) {
          text += choice.delta.content;
          count++;
          onStart();
        }
        finishReason = choice?.finish_reason ?? finishReason;
      }
    }
    return { chunks: count, text, finishReason };
  })();
  return { done, chunks: () => count, started };
}

async function complete(url: string, content: string, maxTokens: number): Promise<{ text: string; completionTokens: number }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content }], max_tokens: maxTokens, temperature: 0 }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { choices: Array<{ message: { content: string } }>; usage: { completion_tokens: number } };
  return { text: body.choices[0]!.message.content, completionTokens: body.usage.completion_tokens };
}

const QUESTIONS = Array.from({ length: 12 }, (_, i) => `question ${i}: ${'the quick fox '.repeat(i % 4)}apples`);

describe('continuous batching through the server', () => {
  it('answers 12 concurrent requests on 4 sequences as it answers them one at a time', async () => {
    const server = await serve(4);
    try {
      const oneByOne = [];
      for (const question of QUESTIONS) oneByOne.push(await complete(server.url, question, 24));
      const together = await Promise.all(QUESTIONS.map((question) => complete(server.url, question, 24)));
      expect(together).toEqual(oneByOne);
      expect(oneByOne.every((answer) => answer.completionTokens === 24)).toBe(true);
    } finally {
      await server.close();
    }
  }, 120_000);

  it('lets a request that arrives mid-generation join at the next token and finish first', async () => {
    const server = await serve(2);
    try {
      const long = streamed(server.url, 'apples', 1000);
      await long.started;
      const short = await complete(server.url, 'hi', 3);
      const chunksWhenShortEnded = long.chunks();
      const longAnswer = await long.done;
      expect(short.completionTokens).toBe(3);
      // The long answer runs to the end of the context, far beyond the short one's few decode steps.
      expect(longAnswer.finishReason).toBe('length');
      expect(longAnswer.chunks).toBeGreaterThan(100);
      expect(chunksWhenShortEnded).toBeLessThan(longAnswer.chunks / 2);
    } finally {
      await server.close();
    }
  }, 120_000);

  it('waits for a sequence when all are busy, and one at a time it waits for the whole answer', async () => {
    const server = await serve(1);
    try {
      const long = streamed(server.url, 'apples', 1000);
      await long.started;
      await complete(server.url, 'hi', 3);
      expect(long.chunks()).toBe((await long.done).chunks);
    } finally {
      await server.close();
    }
  }, 120_000);

  it('frees the sequence of a client that disconnects, for the request waiting for it', async () => {
    const server = await serve(2);
    try {
      const cancelled = new AbortController();
      const abandoned = streamed(server.url, 'apples', 1000, cancelled.signal);
      const running = streamed(server.url, 'the quick fox', 1000);
      await Promise.all([abandoned.started, running.started]);
      cancelled.abort();
      await expect(abandoned.done).rejects.toThrow(/abort/i);
      // Both sequences were busy: the next request gets the abandoned one (the running answer still has
      // about 200 tokens to go), and it ends long before the running answer does.
      await complete(server.url, 'hi', 3);
      const chunksWhenNextEnded = running.chunks();
      const runningAnswer = await running.done;
      expect(runningAnswer.finishReason).toBe('length');
      expect(chunksWhenNextEnded).toBeLessThan(runningAnswer.chunks / 2);
    } finally {
      await server.close();
    }
  }, 120_000);
});
