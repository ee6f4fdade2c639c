import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel, type Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelHub } from '../../src/models/hub.js';
import { createGgufModel, defaultParallel } from '../../src/models/providers/gguf.js';
import type { LanguageModel } from '../../src/models/types.js';
import { InputError } from '../../src/util/errors.js';
import { logSoftmax, referenceForward, TINY_CHAT_TEMPLATE, writeTinyGguf, type TinyModel } from '../support/tinyGguf.js';

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = 'true';

let tiny: TinyModel;
let provider: LanguageModel;
let llama: Llama;
let direct: LlamaModel;

beforeAll(async () => {
  tiny = await writeTinyGguf({ seed: 42, chatTemplate: TINY_CHAT_TEMPLATE });
  // F32 KV cache: llama.cpp then computes in F32 throughout, so it can be compared with the reference closely.
  provider = await createGgufModel({ spec: `gguf:${tiny.path}`, path: tiny.path, kvCacheType: 'F32' });
  llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
  direct = await llama.loadModel({ modelPath: tiny.path });
}, 60_000);

afterAll(async () => {
  await provider?.close?.();
  await direct?.dispose();
  await tiny?.cleanup();
});

const PROMPT = 'Tom has 12 apples and';

describe('gguf provider on a tiny GGUF written by the project', () => {
  it('loads through llama.cpp, whose tokenizer gives the same ids as ours', () => {
    expect(direct.fileInfo.metadata.general.architecture).toBe('llama');
    const texts = [PROMPT, '  two  spaces\tand\ttabs\n\nnewlines ', 'héllo wörld café', '数学 问题 😀', "it's 42."];
    for (const text of texts) {
      expect(direct.tokenize(text).map(Number), JSON.stringify(text)).toEqual(tiny.tokenizer.encode(text));
    }
    expect(provider.capabilities).toEqual({ generate: true, logprob: true, embed: true, nativeN: false });
  });

  it('computes the same next-token distribution as a TypeScript reference forward pass', async () => {
    const context = await direct.createContext({
      contextSize: 64,
      threads: 1,
      flashAttention: false,
      experimentalKvCacheKeyType: 'F32',
      experimentalKvCacheValueType: 'F32',
    });
    try {
      const ids = tiny.tokenizer.encode('The answer is 42. héllo wörld');
      const outputs = await context
        .getSequence()
        .controlledEvaluate(ids.map((t) => [t as Token, { generateNext: { probabilities: true, options: { temperature: 0 } } }] as const) as never);
      const ref = referenceForward(tiny.config, tiny.weights, ids);
      let maxDiff = 0;
      outputs.forEach((output, pos) => {
        const expected = logSoftmax(ref.logits[pos] as Float64Array);
        const probabilities = output?.next.probabilities;
        expect(probabilities?.size).toBe(tiny.config.vocabSize);
        for (const [token, p] of probabilities ?? []) {
          maxDiff = Math.max(maxDiff, Math.abs(Math.log(p) - (expected[token] as number)));
        }
      });
      expect(maxDiff).toBeLessThan(1e-4);
    } finally {
      await context.dispose();
    }
  });

  it('generates greedily and deterministically, respecting maxTokens', async () => {
    const a = await provider.generate({ prompt: PROMPT, maxTokens: 6 });
    const b = await provider.generate({ prompt: PROMPT, maxTokens: 6, temperature: 0 });
    expect(a.completions).toEqual(b.completions);
    expect(a.usage.promptTokens).toBe(tiny.tokenizer.encode(PROMPT).length);
    expect(a.usage.completionTokens).toBeLessThanOrEqual(6);
    if (a.completions[0]?.finishReason === 'length') expect(a.usage.completionTokens).toBe(6);
    const one = await provider.generate({ prompt: PROMPT, maxTokens: 1 });
    expect(one.usage.completionTokens).toBeLessThanOrEqual(1);
    expect(a.completions[0]?.text.startsWith(one.completions[0]?.text ?? '?')).toBe(true);

    // The greedy first token is the reference model's argmax.
    const ref = referenceForward(tiny.config, tiny.weights, tiny.tokenizer.encode(PROMPT));
    const last = ref.logits.at(-1) as Float64Array;
    const argmax = last.indexOf(Math.max(...last));
    expect(direct.detokenize([argmax as Token])).toBe(one.completions[0]?.text);
  });

  it('stops before a stop string and does not return it', async () => {
    const full = await provider.generate({ prompt: PROMPT, maxTokens: 12 });
    const text = full.completions[0]?.text ?? '';
    expect(text.length).toBeGreaterThan(3);
    const stop = text.slice(2, 4);
    const stopped = await provider.generate({ prompt: PROMPT, maxTokens: 12, stop: [stop, 'NEVER-THERE'] });
    expect(stopped.completions[0]).toEqual({ text: text.slice(0, text.indexOf(stop)), finishReason: 'stop' });
  });

  it('samples reproducibly with a seed', async () => {
    const request = { prompt: PROMPT, maxTokens: 8, temperature: 1, topP: 0.9, seed: 7 };
    const a = await provider.generate(request);
    const b = await provider.generate(request);
    expect(a.completions).toEqual(b.completions);
  });

  it('scores a continuation exactly: the sum of the reference per-step log-softmax', async () => {
    const continuation = ' gives 5 to Anna';
    const result = await provider.logprob({ prompt: PROMPT, continuation });
    const contextIds = tiny.tokenizer.encode(PROMPT);
    const jointIds = tiny.tokenizer.encode(PROMPT + continuation);
    expect(jointIds.slice(0, contextIds.length)).toEqual(contextIds);
    const contIds = jointIds.slice(contextIds.length);
    expect(result.tokenCount).toBe(contIds.length);

    const ref = referenceForward(tiny.config, tiny.weights, jointIds);
    let expected = 0;
    let greedy = true;
    contIds.forEach((token, k) => {
      const logits = ref.logits[contextIds.length - 1 + k] as Float64Array;
      expected += logSoftmax(logits)[token] as number;
      greedy &&= logits.indexOf(Math.max(...logits)) === token;
    });
    expect(Math.abs(result.logprob - expected)).toBeLessThan(1e-4 * contIds.length);
    expect(result.isGreedy).toBe(greedy);
    expect(result.usage.promptTokens).toBe(jointIds.length);
  });

  it('calls the greedy continuation greedy, and a perturbed one less likely', async () => {
    // Build a greedy continuation with the reference, keeping only tokens that re-tokenize to themselves.
    const contextIds = tiny.tokenizer.encode(PROMPT);
    const ids = [...contextIds];
    let best: { text: string; ids: number[] } | undefined;
    for (let k = 0; k < 4; k++) {
      const logits = referenceForward(tiny.config, tiny.weights, ids).logits.at(-1) as Float64Array;
      ids.push(logits.indexOf(Math.max(...logits)));
      const text = tiny.tokenizer.decode(ids.slice(contextIds.length));
      if (JSON.stringify(tiny.tokenizer.encode(PROMPT + text)) === JSON.stringify(ids)) {
        best = { text, ids: ids.slice(contextIds.length) };
      }
    }
    expect(best).toBeDefined();
    const greedy = await provider.logprob({ prompt: PROMPT, continuation: best!.text });
    expect(greedy.isGreedy).toBe(true);
    expect(greedy.tokenCount).toBe(best!.ids.length);
    const perturbed = await provider.logprob({ prompt: PROMPT, continuation: `${best!.text.slice(0, -1)}#` });
    expect(perturbed.isGreedy).toBe(false);
    expect(perturbed.logprob).toBeLessThan(greedy.logprob);
  });

  it('renders chat messages with the GGUF chat template', async () => {
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'How many apples?' },
    ];
    const rendered = '<|bos|>system\nBe brief.<|eos|><|bos|>user\nHow many apples?<|eos|><|bos|>assistant\n';
    const expectedIds = tiny.tokenizer.encode(rendered, { parseSpecial: true });
    const chat = await provider.generate({ messages, maxTokens: 3 });
    expect(chat.usage.promptTokens).toBe(expectedIds.length);
    // The same context as a logprob request scores the continuation after exactly these tokens.
    const scored = await provider.logprob({ messages, continuation: 'Seven' });
    const ref = referenceForward(tiny.config, tiny.weights, [...expectedIds, ...tiny.tokenizer.encode('Seven')]);
    let expected = 0;
    tiny.tokenizer.encode('Seven').forEach((token, k) => {
      expected += logSoftmax(ref.logits[expectedIds.length - 1 + k] as Float64Array)[token] as number;
    });
    expect(Math.abs(scored.logprob - expected)).toBeLessThan(1e-3);
  });

  it('embeds: mean-pooled final hidden states, right dimension, deterministic', async () => {
    const texts = ['The answer is 7.', 'héllo wörld'];
    const a = await provider.embed({ texts });
    const b = await provider.embed({ texts });
    expect(a.vectors).toEqual(b.vectors);
    expect(a.vectors.map((v) => v.length)).toEqual([tiny.config.dim, tiny.config.dim]);
    texts.forEach((text, i) => {
      const hidden = referenceForward(tiny.config, tiny.weights, tiny.tokenizer.encode(text)).hidden;
      const mean = Array.from({ length: tiny.config.dim }, (_, d) => hidden.reduce((s, h) => s + (h[d] as number), 0) / hidden.length);
      // llama.cpp normalises embeddings (L2) or not depending on version; compare directions.
      const dot = mean.reduce((s, v, d) => s + v * (a.vectors[i]?.[d] as number), 0);
      const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      expect(dot / (norm(mean) * norm(a.vectors[i] as number[]))).toBeGreaterThan(0.99999);
    });
    expect(a.usage.promptTokens).toBe(texts.reduce((s, t) => s + tiny.tokenizer.encode(t).length, 0));
  });

  it('batches concurrent calls over its sequences with the same results as one at a time', async () => {
    const batched = await createGgufModel({ spec: `gguf:${tiny.path}`, path: tiny.path, kvCacheType: 'F32', parallel: 4 });
    expect(batched.parallel).toBe(4);
    const requests = [1, 2, 3, 4, 5, 6].map((k) => ({ prompt: PROMPT.slice(0, 6 + k), maxTokens: 6 }));
    const sequential = [];
    for (const r of requests) sequential.push(await provider.generate(r));
    const logprob = await provider.logprob({ prompt: PROMPT, continuation: ' gives 5' });
    const concurrent = await Promise.all([
      ...requests.map((r) => batched.generate(r)),
      batched.logprob({ prompt: PROMPT, continuation: ' gives 5' }),
      batched.embed({ texts: ['abc'] }),
    ]);
    await batched.close?.();
    expect(concurrent.slice(0, requests.length)).toEqual(sequential);
    const batchedLogprob = concurrent[requests.length] as typeof logprob;
    expect(Math.abs(batchedLogprob.logprob - logprob.logprob)).toBeLessThan(1e-4);
    expect(batchedLogprob.tokenCount).toBe(logprob.tokenCount);
  });

  it('runs one call at a time by default on a small model (4 from 100 MB) and rejects a pool of no sequences', async () => {
    expect(provider.parallel).toBe(1);
    expect([defaultParallel(20 * 2 ** 20), defaultParallel(100 * 2 ** 20), defaultParallel(2 ** 30)]).toEqual([1, 4, 4]);
    await expect(createGgufModel({ spec: `gguf:${tiny.path}`, path: tiny.path, parallel: 0 })).rejects.toThrow(/parallel/);
  });

  it.each([
    { localParallel: undefined, inFlight: 1 },
    { localParallel: 3, inFlight: 3 },
    { localParallel: 12, inFlight: 10 }, // more sequences than --concurrency (8): the sequences decide
  ])('lets $inFlight of 10 calls through the hub at once with localParallel $localParallel', async ({ localParallel, inFlight }) => {
    const hub = new ModelHub({ cachePath: 'none', concurrency: 8, localParallel });
    try {
      const model = await hub.model(`gguf:${tiny.path}`);
      await Promise.all(Array.from({ length: 10 }, (_, k) => model.generate({ prompt: `${PROMPT} ${k}`, maxTokens: 3 })));
      expect(hub.limiterFor(`gguf ${tiny.path}`).maxInFlight).toBe(inFlight);
    } finally {
      await hub.close();
    }
  });

  it('is what the hub builds for a gguf: spec', async () => {
    const hub = new ModelHub({ cachePath: 'none' });
    try {
      const model = await hub.model(`gguf:${tiny.path}`);
      const viaHub = await model.generate({ prompt: PROMPT, maxTokens: 4 });
      const viaProvider = await provider.generate({ prompt: PROMPT, maxTokens: 4 });
      expect(viaHub.completions).toEqual(viaProvider.completions);
      expect(viaHub.usage).toEqual(viaProvider.usage);
    } finally {
      await hub.close();
    }
  });

  it('reports a missing or invalid file as an InputError naming it', async () => {
    const missing = join(tiny.dir, 'missing.gguf');
    await expect(createGgufModel({ spec: `gguf:${missing}`, path: missing })).rejects.toThrow(InputError);
    await expect(createGgufModel({ spec: `gguf:${missing}`, path: missing })).rejects.toThrow(missing);
    const bad = join(tiny.dir, 'bad.gguf');
    await writeFile(bad, 'definitely not a model');
    await expect(createGgufModel({ spec: `gguf:${bad}`, path: bad })).rejects.toThrow(/bad\.gguf.*not a GGUF file/);
    const truncated = join(tiny.dir, 'truncated.gguf');
    await writeFile(truncated, Buffer.from('GGUF\u0003\u0000\u0000\u0000'));
    await expect(createGgufModel({ spec: `gguf:${truncated}`, path: truncated })).rejects.toThrow(InputError);
  });
});
