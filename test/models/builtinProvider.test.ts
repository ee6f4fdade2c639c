import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel as NativeModel, type Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/engine/backend.js';
import { saveCheckpoint } from '../../src/engine/checkpoint.js';
import { exportGguf } from '../../src/engine/export.js';
import type { LlamaModel } from '../../src/engine/model.js';
import type { TextTokenizer as Tokenizer } from '../../src/engine/tokenizers/textTokenizer.js';
import { loadModel, train } from '../../src/engine/train.js';
import { ModelHub } from '../../src/models/hub.js';
import { toyExamples } from '../engine/toy.js';
import { logSoftmax, tinyWeights } from '../support/tinyGguf.js';

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = 'true';

let dir: string;
let ggufPath: string;
let ours: { model: LlamaModel; tokenizer: Tokenizer };
let llama: Llama;
let native: NativeModel;
const PROMPT = 'Q: tiger 3\nA:';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apprentice-builtin-'));
  const data = toyExamples(120);
  await train({
    train: data.slice(0, 100),
    validation: data.slice(100),
    outDir: join(dir, 'student'),
    size: 'tiny',
    model: { nKvHeads: 2 },
    contextLength: 128,
    steps: 40,
    batchSize: 16,
    learningRate: 3e-3,
    evalEvery: 20,
    seed: 1,
  });
  ggufPath = join(dir, 'student.gguf');
  await exportGguf(join(dir, 'student'), ggufPath);
  ours = await loadModel(join(dir, 'student'));
  llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
  native = await llama.loadModel({ modelPath: ggufPath });
}, 120_000);

afterAll(async () => {
  ours?.model.dispose();
  await native?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Greedy continuation by re-running the tfjs forward pass on the whole sequence each step. */
function ourGreedy(model: LlamaModel, ids: number[], count: number): number[] {
  const seq = [...ids];
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const next = tf.tidy(() => {
      const logits = model.logits(tf.tensor2d([seq], [1, seq.length], 'int32'));
      return tf.argMax(tf.slice(logits, [seq.length - 1, 0], [1, -1]), 1).dataSync()[0] as number;
    });
    out.push(next);
    seq.push(next);
  }
  return out;
}

describe('a trained student exported to GGUF', () => {
  it('is tokenized by llama.cpp exactly as by our tokenizer (with <|bos|> prepended)', () => {
    for (const text of [PROMPT, ' reggit 4', 'héllo wörld 42, café!', 'Q: apple 9\nA: elppa 0']) {
      expect(native.tokenize(text).map(Number), text).toEqual(ours.tokenizer.encode(text));
    }
    expect(native.tokens.shouldPrependBosToken).toBe(true);
    expect(Number(native.tokens.bos)).toBe(ours.tokenizer.bosId);
  });

  it('gives the same next-token log-probabilities as the tfjs model (F32 KV cache, no flash attention)', async () => {
    const context = await native.createContext({
      contextSize: 128,
      threads: 1,
      flashAttention: false,
      experimentalKvCacheKeyType: 'F32',
      experimentalKvCacheValueType: 'F32',
    });
    try {
      const ids = ours.tokenizer.encode('Q: lemon 5\nA: nomel 6 and héllo', { addBos: true });
      const outputs = await context
        .getSequence()
        .controlledEvaluate(ids.map((t) => [t as Token, { generateNext: { probabilities: true, options: { temperature: 0 } } }] as const) as never);
      const logits = ours.model.logitsFor(ids);
      let maxDiff = 0;
      outputs.forEach((output, pos) => {
        const expected = logSoftmax(logits[pos] as Float32Array);
        const probabilities = output?.next.probabilities;
        expect(probabilities?.size).toBe(ours.model.config.vocabSize);
        for (const [token, p] of probabilities ?? []) maxDiff = Math.max(maxDiff, Math.abs(Math.log(p) - (expected[token] as number)));
      });
      expect(maxDiff).toBeLessThanOrEqual(1e-4);
    } finally {
      await context.dispose();
    }
  });

  it('generates the same 64 greedy tokens as the tfjs model (trained, and with large random weights)', async () => {
    const trained = await greedyBoth(ours, native, PROMPT);
    // The student learned the toy task's first step: it spells the word backwards.
    expect(ours.tokenizer.decode(trained)).toMatch(/^ regit/);
    // Large random weights give a varied 64-token path (the trained student mostly says <|eos|> after its answer).
    const config = { ...ours.model.config };
    const weights = new Map([...tinyWeights({ ...config, tiedEmbeddings: true }, 99)].map(([name, data]) => [hfName(name), data]));
    await saveCheckpoint(join(dir, 'random'), { config, weights, tokenizer: ours.tokenizer, info: {} });
    await exportGguf(join(dir, 'random'), join(dir, 'random.gguf'));
    const random = await loadModel(join(dir, 'random'));
    const randomNative = await llama.loadModel({ modelPath: join(dir, 'random.gguf') });
    try {
      const path = await greedyBoth(random, randomNative, 'The quick brown fox');
      expect(new Set(path).size).toBeGreaterThan(10);
    } finally {
      random.model.dispose();
      await randomNative.dispose();
    }
  });
});

/** Greedy 64 tokens from tfjs and from llama.cpp (token by token, through <|eos|>); expects them equal. */
async function greedyBoth(tfjsModel: { model: LlamaModel; tokenizer: Tokenizer }, nativeModel: NativeModel, text: string): Promise<number[]> {
  const prompt = tfjsModel.tokenizer.encode(text, { addBos: true });
  const expected = ourGreedy(tfjsModel.model, prompt, 64);
  const context = await nativeModel.createContext({
    contextSize: 128,
    threads: 1,
    flashAttention: false,
    experimentalKvCacheKeyType: 'F32',
    experimentalKvCacheValueType: 'F32',
  });
  try {
    const sequence = context.getSequence();
    const next = (probabilities: ReadonlyMap<Token, number> | undefined): number => {
      let best = -1;
      let bestP = -1;
      for (const [token, p] of probabilities ?? []) if (p > bestP) [best, bestP] = [Number(token), p];
      return best;
    };
    const ask = { generateNext: { probabilities: true, options: { temperature: 0 } } } as const;
    let outputs = await sequence.controlledEvaluate(prompt.map((t, i) => (i === prompt.length - 1 ? ([t as Token, ask] as const) : (t as Token))) as never);
    const got: number[] = [];
    while (got.length < 64) {
      got.push(next(outputs[outputs.length - 1]?.next.probabilities));
      outputs = await sequence.controlledEvaluate([[got[got.length - 1] as Token, ask]] as never);
    }
    expect(got).toEqual(expected);
    return got;
  } finally {
    await context.dispose();
  }
}

/** GGUF tensor name (test/support/tinyGguf) -> Hugging Face name. */
function hfName(gguf: string): string {
  const table: Record<string, string> = {
    attn_norm: 'input_layernorm',
    attn_q: 'self_attn.q_proj',
    attn_k: 'self_attn.k_proj',
    attn_v: 'self_attn.v_proj',
    attn_output: 'self_attn.o_proj',
    ffn_norm: 'post_attention_layernorm',
    ffn_gate: 'mlp.gate_proj',
    ffn_up: 'mlp.up_proj',
    ffn_down: 'mlp.down_proj',
  };
  if (gguf === 'token_embd.weight') return 'model.embed_tokens.weight';
  if (gguf === 'output_norm.weight') return 'model.norm.weight';
  const m = /^blk\.(\d+)\.(\w+)\.weight$/.exec(gguf);
  return `model.layers.${m?.[1]}.${table[m?.[2] ?? '']}.weight`;
}

describe('the builtin:<dir> provider', () => {
  it('generates, stops and scores continuations through the model hub', async () => {
    const hub = new ModelHub({ cachePath: 'none' });
    try {
      const model = await hub.model(`builtin:${join(dir, 'student')}`);
      expect(model.provider).toBe('builtin');
      const prompt = ours.tokenizer.encode(PROMPT, { addBos: true });
      const greedy = ours.tokenizer.decode(ourGreedy(ours.model, prompt, 8).filter((t) => t !== ours.tokenizer.eosId));
      const response = await model.generate({ prompt: PROMPT, maxTokens: 8 });
      expect(greedy.startsWith(response.completions[0]!.text)).toBe(true);
      expect(response.completions[0]!.text).toMatch(/^ regit/);
      const stopped = await model.generate({ prompt: PROMPT, maxTokens: 8, stop: ['t'] });
      expect(stopped.completions[0]).toMatchObject({ text: ' regi', finishReason: 'stop' });
      // log P(continuation | prompt) from llama.cpp equals the tfjs model's.
      const scored = await model.logprob({ prompt: PROMPT, continuation: ' regit' });
      const ids = [...prompt, ...ours.tokenizer.encode(' regit')];
      const rows = ours.model.logitsFor(ids);
      let expected = 0;
      for (let t = prompt.length; t < ids.length; t++) expected += logSoftmax(rows[t - 1] as Float32Array)[ids[t] as number] as number;
      expect(scored.tokenCount).toBe(ids.length - prompt.length);
      expect(Math.abs(scored.logprob - expected)).toBeLessThan(1e-3);
      expect(scored.isGreedy).toBe(true);
    } finally {
      await hub.close();
    }
  });

  it("decodes concurrent calls together over the hub's localParallel sequences, with the one-at-a-time answers", async () => {
    const prompts = [PROMPT, `${PROMPT} a`, `${PROMPT} ab`, 'regit'];
    const single = new ModelHub({ cachePath: 'none' });
    const batched = new ModelHub({ cachePath: 'none', localParallel: 2 });
    try {
      const one = await single.model(`builtin:${join(dir, 'student')}`);
      const expected = [];
      for (const prompt of prompts) expected.push((await one.generate({ prompt, maxTokens: 8 })).completions);
      const two = await batched.model(`builtin:${join(dir, 'student')}`);
      const answers = await Promise.all(prompts.map((prompt) => two.generate({ prompt, maxTokens: 8 })));
      expect(answers.map((a) => a.completions)).toEqual(expected);
      expect(batched.limiterFor(`builtin ${resolve(dir, 'student')}`).maxInFlight).toBe(2);
    } finally {
      await single.close();
      await batched.close();
    }
  });

  it('samples with temperature and top-p: seeded runs repeat, temperature widens the distribution, top-p narrows it', async () => {
    const hub = new ModelHub({ cachePath: 'none' });
    try {
      const model = await hub.model(`builtin:${join(dir, 'student')}`);
      const text = async (options: { temperature: number; topP?: number; seed: number }) =>
        (await model.generate({ prompt: PROMPT, maxTokens: 6, ...options })).completions[0]!.text;
      const greedy = (await model.generate({ prompt: PROMPT, maxTokens: 6 })).completions[0]!.text;
      // The same seed gives the same sample.
      expect(await text({ temperature: 2, seed: 7 })).toBe(await text({ temperature: 2, seed: 7 }));
      const seeds = Array.from({ length: 12 }, (_, i) => i + 1);
      const cold = await Promise.all(seeds.map((seed) => text({ temperature: 0.05, seed })));
      const hot = await Promise.all(seeds.map((seed) => text({ temperature: 3, seed })));
      const narrow = await Promise.all(seeds.map((seed) => text({ temperature: 3, topP: 0.01, seed })));
      // Near zero temperature every sample is the greedy text; at 3 the samples spread out.
      expect(new Set(cold)).toEqual(new Set([greedy]));
      expect(new Set(hot).size).toBeGreaterThan(3);
      expect(hot.filter((t) => t !== greedy).length).toBeGreaterThan(6);
      // top-p 0.01 keeps only the most likely token, whatever the temperature.
      expect(new Set(narrow)).toEqual(new Set([greedy]));
    } finally {
      await hub.close();
    }
  });

  it('names the folder when it is not a checkpoint', async () => {
    const hub = new ModelHub({ cachePath: 'none' });
    try {
      await expect(hub.model(`builtin:${join(dir, 'missing')}`)).rejects.toThrow(/missing.*not a checkpoint folder/);
    } finally {
      await hub.close();
    }
  });
});
