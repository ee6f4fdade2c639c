/**
 * LoRA through the CLI (needs `npm run build`): `train --lora-*` on a pretrained-layout base prints the trained
 * adapter count and the peak memory, `export --format peft|lora-gguf` write the adapter, `generate
 * builtin:<run>` answers, and the LoRA flags without --lora-rank or with an unknown target are refused naming
 * the flag.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainTokenizer } from '../../src/engine/tokenizer.js';
import { tokenizerFiles } from '../../src/engine/tokenizers/files.js';
import { runCli } from '../support/runCli.js';
import { exportGguf } from '../../src/engine/export.js';
import { REDUCED_MODELS, writeHfModel } from '../support/hfModels.js';
import { toyExamples } from './toy.js';

let dir: string;
const data = toyExamples(40);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apprentice-lora-cli-'));
  await writeHfModel(
    join(dir, 'base'),
    REDUCED_MODELS.find((m) => m.name === 'Qwen2.5-0.5B')!,
  );
  const tokenizer = trainTokenizer(
    data.map((e) => `${e.prompt}${e.completion}`),
    { vocabSize: 300, minFrequency: 2 },
  );
  for (const file of tokenizerFiles(tokenizer)) await writeFile(join(dir, 'base', file.name), file.text);
  await writeFile(join(dir, 'train.jsonl'), data.map((e) => JSON.stringify({ prompt: e.prompt, completion: e.completion })).join('\n') + '\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('apprentice train --lora-rank', () => {
  it('trains adapters, prints their count and the peak memory, exports them and generates', async () => {
    const trained = await runCli([
      'train',
      '--base',
      join(dir, 'base'),
      '--lora-rank',
      '4',
      '--lora-alpha',
      '8',
      '--lora-dropout',
      '0.05',
      '--lora-targets',
      'q,v,down',
      '--data',
      join(dir, 'train.jsonl'),
      '--steps',
      '4',
      '--batch-size',
      '4',
      '--context',
      '32',
      '--threads',
      '1',
      '--out',
      join(dir, 'run'),
      '--json',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    const summary = JSON.parse(trained.stdout) as { parameters: number; trainableParameters: number; peakMemoryBytes: number };
    expect(summary.trainableParameters).toBeLessThan(summary.parameters / 10);
    expect(summary.peakMemoryBytes).toBeGreaterThan(2 ** 20);
    const config = JSON.parse(await readFile(join(dir, 'run', 'config.json'), 'utf8')) as { apprentice: { lora: Record<string, unknown> } };
    expect(config.apprentice.lora).toMatchObject({ rank: 4, alpha: 8, dropout: 0.05, targets: ['q', 'v', 'down'] });

    const peft = await runCli(['export', join(dir, 'run'), '--format', 'peft', '--out', join(dir, 'peft')]);
    expect(peft.code, peft.stderr).toBe(0);
    expect(existsSync(join(dir, 'peft', 'adapter_model.safetensors'))).toBe(true);
    const gguf = await runCli(['export', join(dir, 'run'), '--format', 'lora-gguf', '--out', join(dir, 'adapter.gguf')]);
    expect(gguf.code, gguf.stderr).toBe(0);
    expect(gguf.stdout).toMatch(/adapter parameters/);

    const generated = await runCli(['generate', '--model', `builtin:${join(dir, 'run')}`, '--raw', '--prompt', 'Q: apple 3', '--max-tokens', '3']);
    expect(generated.code, generated.stderr).toBe(0);
  }, 300_000);

  it('trains on a GGUF base, exports the adapter GGUF and the merged GGUF, and generates', async () => {
    await exportGguf(join(dir, 'base'), join(dir, 'base.gguf'), { dtype: 'f32' });
    const trained = await runCli([
      'train',
      '--base',
      join(dir, 'base.gguf'),
      '--lora-rank',
      '4',
      '--data',
      join(dir, 'train.jsonl'),
      '--steps',
      '2',
      '--batch-size',
      '4',
      '--context',
      '32',
      '--threads',
      '1',
      '--out',
      join(dir, 'run-gguf'),
      '--json',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    const config = JSON.parse(await readFile(join(dir, 'run-gguf', 'config.json'), 'utf8')) as { apprentice: { lora: Record<string, unknown> } };
    expect(config.apprentice.lora).toMatchObject({ rank: 4, base: join(dir, 'base.gguf') });
    for (const [format, out] of [
      ['lora-gguf', 'adapter-from-gguf.gguf'],
      ['gguf', 'merged-from-gguf.gguf'],
    ] as const) {
      const exported = await runCli(['export', join(dir, 'run-gguf'), '--format', format, '--out', join(dir, out)]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(existsSync(join(dir, out))).toBe(true);
    }
    const generated = await runCli(['generate', '--model', `builtin:${join(dir, 'run-gguf')}`, '--raw', '--prompt', 'Q: apple 3', '--max-tokens', '3']);
    expect(generated.code, generated.stderr).toBe(0);
  }, 300_000);

  it('refuses LoRA flags without --lora-rank, and unknown targets', async () => {
    const noRank = await runCli(['train', '--lora-alpha', '3', '--data', join(dir, 'train.jsonl'), '--steps', '1', '--out', join(dir, 'x')]);
    expect(noRank.code).toBe(2);
    expect(noRank.stderr).toMatch(/need --lora-rank/);
    const badTarget = await runCli([
      'train',
      '--base',
      join(dir, 'base'),
      '--lora-rank',
      '2',
      '--lora-targets',
      'q,qkv',
      '--data',
      join(dir, 'train.jsonl'),
      '--steps',
      '1',
      '--out',
      join(dir, 'x'),
    ]);
    expect(badTarget.code).toBe(2);
    expect(badTarget.stderr).toMatch(/--lora-targets/);
  }, 120_000);
});
