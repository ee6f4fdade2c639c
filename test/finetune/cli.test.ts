/**
 * The commands as a user runs them (built CLI): `serve --fine-tuning` with no model or with a GGUF base,
 * `finetune --on local` driving it to a fine-tuned model and resuming from its state file, the budget check's
 * warning on an unverified price, and `finetune --export`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lastJson, runCli } from '../support/runCli.js';
import { startListeningCli } from '../support/serveCli.js';
import { chatTrainingJsonl, tempDir, writeChatGgufBase } from './support.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir();
  await writeFile(join(dir.path, 'train.jsonl'), chatTrainingJsonl());
});
afterEach(() => dir.remove());

describe('apprentice finetune', () => {
  it('--on local trains on a serve --fine-tuning server, and run again resumes from its state file', async () => {
    const serving = await startListeningCli(
      ['serve', '--fine-tuning', '--fine-tuning-dir', join(dir.path, 'ft'), '--port', '0'],
      /at (http:\/\/127\.0\.0\.1:\d+\/v1)/,
    );
    try {
      expect(serving.output).toMatch(/^serving the fine-tuning API \(bases: tiny, small, base\)/);
      const args = [
        'finetune',
        '--on',
        'local',
        '--url',
        serving.baseURL,
        '--data',
        join(dir.path, 'train.jsonl'),
        '--model',
        'tiny',
        '--suffix',
        'cli',
        '--epochs',
        '2',
        '--poll-interval',
        '0.2',
        '--state',
        join(dir.path, 'state.json'),
        '--json',
      ];
      // Evaluated when done, through the model layer, into a run folder under the working directory's runs/.
      await writeFile(
        join(dir.path, 'eval.jsonl'),
        '{"question": "What colour is thing 1?", "answer": "blue"}\n{"question": "What colour is thing 2?", "answer": "green"}\n',
      );
      const first = await runCli([...args, '--eval-dataset', `jsonl:${join(dir.path, 'eval.jsonl')}`], { cwd: dir.path });
      expect(first.code, first.stderr).toBe(0);
      const result = lastJson<{
        jobId: string;
        fineTunedModel: string;
        modelSpec: string;
        trainedTokens: number;
        evaluation: { scored: number; runDir: string };
      }>(first);
      expect(result.evaluation.scored).toBe(2);
      expect(result.evaluation.runDir.startsWith(join(dir.path, 'runs'))).toBe(true);
      expect((await readFile(join(result.evaluation.runDir, 'records.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(2);
      expect(result.fineTunedModel).toBe(`ft:tiny:cli:${result.jobId.slice('ftjob-'.length)}`);
      expect(result.modelSpec).toBe(`openai:${result.fineTunedModel}@${serving.baseURL}`);
      expect(result.trainedTokens).toBeGreaterThan(0);
      expect(first.stderr).toMatch(/uploading .*train\.jsonl to local\nsubmitting a fine-tuning job of tiny on local/);

      const again = await runCli(args);
      expect(again.code, again.stderr).toBe(0);
      expect(lastJson<{ jobId: string }>(again).jobId).toBe(result.jobId);
      expect(again.stderr).toMatch(/^resuming: polling job /);
      expect(again.stderr).not.toMatch(/uploading|submitting/);
    } finally {
      const exit = await serving.stop();
      expect(exit.code, exit.stderr).toBe(0);
    }
  }, 90_000);

  it('serve --fine-tuning --base <name>=<file.gguf> offers the GGUF as a base, and finetune --on local fine-tunes it', async () => {
    const gguf = await writeChatGgufBase(dir.path);
    const serving = await startListeningCli(
      ['serve', '--fine-tuning', '--base', `qwen=${gguf}`, '--fine-tuning-dir', join(dir.path, 'ft'), '--port', '0'],
      /at (http:\/\/127\.0\.0\.1:\d+\/v1)/,
    );
    try {
      expect(serving.output).toMatch(/^serving the fine-tuning API \(bases: tiny, small, base, qwen\)/);
      const run = await runCli([
        'finetune',
        '--on',
        'local',
        '--url',
        serving.baseURL,
        '--data',
        join(dir.path, 'train.jsonl'),
        '--model',
        'qwen',
        '--epochs',
        '1',
        '--poll-interval',
        '0.2',
        '--state',
        join(dir.path, 'state.json'),
        '--json',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const result = lastJson<{ jobId: string; fineTunedModel: string }>(run);
      expect(result.fineTunedModel).toBe(`ft:qwen::${result.jobId.slice('ftjob-'.length)}`);
    } finally {
      const exit = await serving.stop();
      expect(exit.code, exit.stderr).toBe(0);
    }
  }, 120_000);

  it('--budget warns when the rate of the price table is unverified, and refuses the job before uploading', async () => {
    const run = await runCli(
      [
        'finetune',
        '--on',
        'together',
        '--url',
        'http://127.0.0.1:9/v1',
        '--data',
        join(dir.path, 'train.jsonl'),
        '--model',
        'Qwen/Qwen2.5-7B-Instruct',
        '--budget',
        '0.000001',
      ],
      { env: { TOGETHER_API_KEY: 'unused' } },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("$0.48/M tokens for Qwen/Qwen2.5-7B-Instruct on together, a rate no stored copy of the provider's pricing page confirmed");
    expect(run.stderr).toMatch(/over the budget of \$0\.000001/);
    expect(run.stderr).not.toMatch(/uploading/);
  });

  it('--export axolotl writes the data and config, and needs one of --on or --export', async () => {
    const out = join(dir.path, 'recipe');
    const exported = await runCli([
      'finetune',
      '--export',
      'axolotl',
      '--data',
      join(dir.path, 'train.jsonl'),
      '--model',
      'Qwen/Qwen2.5-0.5B-Instruct',
      '--out',
      out,
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('axolotl train config.yml');
    expect(parse(await readFile(join(out, 'config.yml'), 'utf8')).base_model).toBe('Qwen/Qwen2.5-0.5B-Instruct');
    const neither = await runCli(['finetune', '--data', join(dir.path, 'train.jsonl'), '--model', 'tiny']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('give either --on <engine> or --export <trainer>');
  });

  it('--on openai warns of the cut-off and needs OPENAI_API_KEY', async () => {
    const run = await runCli(['finetune', '--on', 'openai', '--data', join(dir.path, 'train.jsonl'), '--model', 'gpt-4o-mini-2024-07-18'], {
      env: { OPENAI_API_KEY: '' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('OpenAI stops accepting new fine-tuning jobs on 2027-01-06');
    expect(run.stderr).toContain('set OPENAI_API_KEY to use openai');
  });
});
