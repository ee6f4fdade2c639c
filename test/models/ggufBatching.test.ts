/**
 * How the gguf provider's concurrent generations are batched by llama.cpp: the test counts the decode
 * batches node-llama-cpp dispatches (through its context's internal `_ctx.initBatch(size)`, the one place a
 * batch is started), since no public API reports them.
 */
import { LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGgufModel } from '../../src/models/providers/gguf.js';
import { TINY_CHAT_TEMPLATE, writeTinyGguf, type TinyModel } from '../support/tinyGguf.js';

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = 'true';

let tiny: TinyModel;
const batchSizes: number[] = [];
const createContext = LlamaModel.prototype.createContext;

beforeAll(async () => {
  tiny = await writeTinyGguf({ seed: 42, chatTemplate: TINY_CHAT_TEMPLATE });
  LlamaModel.prototype.createContext = async function (this: LlamaModel, ...args: Parameters<LlamaModel['createContext']>) {
    const context = await createContext.apply(this, args);
    const internal = context as unknown as { _ctx: Record<string, unknown> };
    const native = internal._ctx;
    internal._ctx = new Proxy(native, {
      get(target, key) {
        const value = target[key as string];
        if (typeof value !== 'function') return value;
        if (key === 'initBatch') {
          return (size: number) => {
            batchSizes.push(size);
            return (value as (size: number) => unknown).call(target, size);
          };
        }
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
    return context;
  };
}, 60_000);

afterAll(async () => {
  LlamaModel.prototype.createContext = createContext;
  await tiny?.cleanup();
});

describe('gguf provider batching', () => {
  it('decodes 4 concurrent generations in one batch per token', async () => {
    const model = await createGgufModel({ spec: `gguf:${tiny.path}`, path: tiny.path, parallel: 4 });
    try {
      await model.generate({ prompt: 'warm up', maxTokens: 2 });
      batchSizes.length = 0;
      const prompts = ['hi', 'the quick fox', 'apples', 'dog'];
      const answers = await Promise.all(prompts.map((content) => model.generate({ messages: [{ role: 'user', content }], maxTokens: 40, temperature: 0 })));
      expect(answers.map((a) => a.usage.completionTokens)).toEqual([40, 40, 40, 40]);
      // One batch for the prompts (they arrive together), then the 39 further tokens of each: 39 batches of 4
      // when every step batches all four. A small allowance for the first step, where the first generation
      // to get its token may go on alone before the others join.
      const decodeSteps = batchSizes.slice(1);
      expect(decodeSteps.reduce((sum, size) => sum + size, 0)).toBe(4 * 39);
      expect(decodeSteps.length).toBeLessThanOrEqual(39 + 2);
    } finally {
      await model.close?.();
    }
  }, 60_000);
});
