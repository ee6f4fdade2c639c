/**
 * The built-in engine from the command line: train a small student, export it to GGUF, and evaluate it
 * with --model builtin:<dir> like any other model.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toyExamples } from '../engine/toy.js';
import { lastJson, runCli } from '../support/runCli.js';

const dir = mkdtempSync(join(tmpdir(), 'apprentice-cli-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = join(dir, 'train.jsonl');
writeFileSync(
  data,
  toyExamples(80)
    .map(({ prompt, completion, task }, i) => JSON.stringify({ prompt, completion, task, ...(i % 4 === 0 ? { weight: 0.5 } : {}) }))
    .join('\n') + '\n',
);

interface TrainSummary {
  out: string;
  parameters: number;
  steps: number;
  trainLoss: number;
  validationLoss: number;
  validationAccuracy: number;
  tokensPerSecond: number;
  trainLossByTask: Record<string, number>;
}

describe('apprentice train / export / eval builtin:', () => {
  const out = join(dir, 'student');

  it('train prints final train and validation loss, tokens/s and parameters as JSON', async () => {
    const result = await runCli([
      'train',
      '--data',
      data,
      '--size',
      'tiny',
      '--steps',
      '12',
      '--batch-size',
      '8',
      '--context',
      '256',
      '--lr',
      '0.003',
      '--eval-every',
      '6',
      '--out',
      out,
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const summary = lastJson<TrainSummary>(result);
    expect(summary.steps).toBe(12);
    expect(summary.parameters).toBeGreaterThan(50_000);
    expect(summary.trainLoss).toBeGreaterThan(0);
    expect(summary.validationLoss).toBeGreaterThan(0);
    expect(summary.validationLoss).toBeLessThan(6);
    expect(summary.tokensPerSecond).toBeGreaterThan(100);
    expect(Object.keys(summary.trainLossByTask)).toEqual(['even', 'odd']);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'llama', hidden_size: 64, apprentice: { data, size: 'tiny', steps: 12 } });
    expect(config.apprentice.engine).toMatch(/\(onnxruntime [\d.]+, \d+ threads?\)/);
  });

  it('train --backend tfjs trains the same model on tfjs (to float rounding), and refuses an unknown backend', async () => {
    const tfjsOut = join(dir, 'student-tfjs');
    const result = await runCli([
      'train',
      '--data',
      data,
      '--size',
      'tiny',
      '--steps',
      '12',
      '--batch-size',
      '8',
      '--context',
      '256',
      '--lr',
      '0.003',
      '--eval-every',
      '6',
      '--out',
      tfjsOut,
      '--backend',
      'tfjs',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const onnx = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    const tfjs = JSON.parse(readFileSync(join(tfjsOut, 'config.json'), 'utf8'));
    expect(tfjs.apprentice.engine).toMatch(/\(tfjs /);
    expect(tfjs.apprentice.validationLoss).toBeCloseTo(onnx.apprentice.validationLoss, 3);
    const unknown = await runCli(['train', '--data', data, '--size', 'tiny', '--steps', '2', '--out', join(dir, 'bad'), '--backend', 'cuda']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--backend/);
  });

  it('train passes on its options: vocabulary, loss normalisation, threads, early stopping, and --init-from', async () => {
    const tuned = join(dir, 'student-tuned');
    const result = await runCli([
      'train',
      '--data',
      data,
      '--size',
      'tiny',
      '--steps',
      '12',
      '--batch-size',
      '8',
      '--micro-batch',
      '4',
      '--vocab-size',
      '300',
      '--loss-normalization',
      'task',
      '--threads',
      '1',
      '--eval-every',
      '2',
      '--patience',
      '1',
      '--min-delta',
      '100',
      '--out',
      tuned,
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    // No validation drops by 100 nats: the first validation is the best, the next one stops the run.
    expect(lastJson<TrainSummary & { stoppedEarly: boolean; bestStep: number }>(result)).toMatchObject({ steps: 4, bestStep: 2, stoppedEarly: true });
    const config = JSON.parse(readFileSync(join(tuned, 'config.json'), 'utf8'));
    expect(config.vocab_size).toBe(300);
    expect(config.apprentice).toMatchObject({ lossNormalization: 'task', batchSize: 8 });
    expect(config.apprentice.engine).toMatch(/1 thread\)/);

    const warm = join(dir, 'student-warm');
    const continued = await runCli(['train', '--data', data, '--init-from', tuned, '--steps', '2', '--batch-size', '8', '--out', warm, '--json']);
    expect(continued.code, continued.stderr).toBe(0);
    const warmConfig = JSON.parse(readFileSync(join(warm, 'config.json'), 'utf8'));
    expect(warmConfig.apprentice.initFrom).toBe(tuned);
    expect(warmConfig.vocab_size).toBe(300);
    expect(readFileSync(join(warm, 'tokenizer.json'), 'utf8')).toBe(readFileSync(join(tuned, 'tokenizer.json'), 'utf8'));
  });

  it('train --resume continues a killed run from its last saved step and ends where an uninterrupted run ends', async () => {
    const args = (out: string) => [
      'train',
      '--data',
      data,
      '--size',
      'tiny',
      '--steps',
      '40',
      '--batch-size',
      '8',
      '--eval-every',
      '5',
      '--threads',
      '1',
      '--lr',
      '0.003',
      '--min-lr',
      '0.0005',
      '--warmup',
      '3',
      '--weight-decay',
      '0.05',
      '--clip',
      '0.5',
      '--out',
      out,
    ];
    const whole = await runCli([...args(join(dir, 'whole')), '--json']);
    expect(whole.code, whole.stderr).toBe(0);

    const killedOut = join(dir, 'killed');
    let stderr = '';
    await runCli(args(killedOut), {
      onSpawn: (child) =>
        child.stderr?.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (/step 10 validation loss/.test(stderr)) child.kill('SIGKILL');
        }),
    });
    const resumed = await runCli([...args(killedOut), '--resume', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const [a, b] = [lastJson<TrainSummary & { resumedFrom: number }>(whole), lastJson<TrainSummary & { resumedFrom: number }>(resumed)];
    expect(b.resumedFrom).toBeGreaterThanOrEqual(5);
    expect(b.resumedFrom).toBeLessThan(40);
    expect(b.steps).toBe(40);
    expect(b.trainLoss).toBe(a.trainLoss);
    expect(b.validationLoss).toBe(a.validationLoss);
    const config = JSON.parse(readFileSync(join(killedOut, 'config.json'), 'utf8'));
    expect(config.apprentice).toMatchObject({ learningRate: 0.003 });
  });

  it('train names the file, line and field of a bad line, and exits with code 2', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"prompt": "a", "completion": "b"}\n{"prompt": "a", "completion": "b", "weight": "heavy"}\n');
    const result = await runCli(['train', '--data', bad, '--size', 'tiny', '--steps', '2', '--out', join(dir, 'bad'), '--json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${bad}:2, field "weight": must be a number >= 0`);
    const size = await runCli(['train', '--data', data, '--size', 'huge', '--steps', '2', '--out', join(dir, 'bad')]);
    expect(size.code).toBe(2);
    expect(size.stderr).toMatch(/--size: must be one of tiny, small, base/);
  });

  it('export writes a GGUF file llama.cpp loads, and eval runs the student as builtin:<dir>', async () => {
    const gguf = join(dir, 'student.gguf');
    const exported = await runCli(['export', out, '--format', 'gguf', '--dtype', 'f16', '--out', gguf, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(lastJson<{ dtype: string }>(exported).dtype).toBe('f16');
    expect(readFileSync(gguf).subarray(0, 4).toString('latin1')).toBe('GGUF');
    const f32 = join(dir, 'student32.gguf');
    expect((await runCli(['export', out, '--out', f32])).code).toBe(0);
    expect(statSync(f32).size).toBeGreaterThan(statSync(gguf).size * 1.5);

    const generated = await runCli(['generate', '--model', `gguf:${gguf}`, '--prompt', 'Q: apple 2', '--max-tokens', '4', '--json']);
    expect(generated.code, generated.stderr).toBe(0);
    // --raw: the prompt as it is; a raw student through builtin: answers as the same weights through gguf:.
    const raw = (model: string) => runCli(['generate', '--model', model, '--raw', '--prompt', 'Q: apple 2\\nA:', '--max-tokens', '6']);
    const [viaBuiltin, viaGguf] = [await raw(`builtin:${out}`), await raw(`gguf:${f32}`)];
    expect(viaBuiltin.code, viaBuiltin.stderr).toBe(0);
    expect(viaBuiltin.stdout).toBe(viaGguf.stdout);

    const ollama = await runCli(['export', out, '--format', 'ollama', '--out', join(dir, 'ollama'), '--json']);
    expect(ollama.code, ollama.stderr).toBe(0);
    expect(readFileSync(join(dir, 'ollama', 'Modelfile'), 'utf8')).toContain('PARAMETER stop "<|eos|>"');
    const hf = await runCli(['export', out, '--format', 'hf', '--out', join(dir, 'hf'), '--json']);
    expect(hf.code, hf.stderr).toBe(0);
    expect(lastJson<{ files: string[] }>(hf).files).toContain('model.safetensors');

    const test = join(dir, 'test.jsonl');
    writeFileSync(
      test,
      toyExamples(6)
        .map(({ prompt, completion }) => JSON.stringify({ q: prompt, a: completion.trim() }))
        .join('\n') + '\n',
    );
    const evaluated = await runCli([
      'eval',
      '--dataset',
      `jsonl:${test}`,
      '--input-field',
      'q',
      '--label-field',
      'a',
      '--answer-type',
      'free_text',
      '--split',
      'test',
      '--model',
      `builtin:${out}`,
      '--json',
      '--no-progress',
      '--runs',
      dir,
    ]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(lastJson<{ n: number; errors: number }>(evaluated)).toMatchObject({ n: 6, errors: 0 });
  });
});
