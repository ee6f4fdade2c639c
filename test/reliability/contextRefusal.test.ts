/**
 * Item 9 of issue 16 (context refusal): an input that cannot fit the model's context is refused before any
 * call, naming the example, with the model's documented context when the model layer knows it, and in every
 * pipeline that sends dataset inputs (eval, grimoire build, grimoire eval; distill annotate shares eval's check).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEvalJob } from '../../src/eval/job.js';
import { buildGrimoires } from '../../src/grimoire/build.js';
import { evaluateGrimoires } from '../../src/grimoire/evaluate.js';
import { contextWindowOf, DEFAULT_CONTEXT_TOKENS } from '../../src/models/contextWindow.js';
import { ModelHub } from '../../src/models/hub.js';
import { writeToySet, writeToyTask } from '../grimoire/fixtures.js';
import { evalConfig, jsonLines, tempDirs } from './helpers.js';

const newDir = tempDirs();
// 600,000 characters: about 150,000 tokens, more than gpt-4o-mini's 128,000, far less than the default bound.
const LONG = 'word '.repeat(120_000);

async function withHub<T>(run: (hub: ModelHub) => Promise<T>): Promise<T> {
  const hub = new ModelHub({ cachePath: 'none', apiKey: 'never-used', maxRetries: 0, warn: () => {} });
  try {
    return await run(hub);
  } finally {
    await hub.close();
  }
}

describe('a model context window', () => {
  it('is the documented one for known hosted models, the default otherwise', () => {
    expect(contextWindowOf('openai:gpt-4o-mini')).toEqual({ tokens: 128_000, known: true });
    expect(contextWindowOf('openai:gpt-4.1-mini-2025-04-14')).toEqual({ tokens: 1_047_576, known: true });
    expect(contextWindowOf('openai:gpt-3.5-turbo-instruct')).toEqual({ tokens: 4_096, known: true });
    expect(contextWindowOf('anthropic:claude-3-5-haiku-latest')).toEqual({ tokens: 200_000, known: true });
    // Another server may serve another model under the same name; local models check their own context.
    expect(contextWindowOf('openai:gpt-4o-mini@http://127.0.0.1:8000/v1')).toEqual({ tokens: DEFAULT_CONTEXT_TOKENS, known: false });
    expect(contextWindowOf('openai:my-finetune')).toEqual({ tokens: DEFAULT_CONTEXT_TOKENS, known: false });
    expect(contextWindowOf('gguf:model.gguf')).toEqual({ tokens: DEFAULT_CONTEXT_TOKENS, known: false });
  });
});

describe('inputs larger than the model context are refused before any call, naming the example', () => {
  const refusal = /example 1 \(id test-1\) of .* is about 150,000 tokens .*more than openai:gpt-4o-mini's context \(128,000 tokens\)/;

  it('eval', async () => {
    const dir = newDir();
    writeFileSync(
      join(dir, 'reviews.jsonl'),
      jsonLines([
        { text: 'short', label: 1 },
        { text: LONG, label: 0 },
      ]),
    );
    await expect(withHub((hub) => runEvalJob(evalConfig(dir, { model: 'openai:gpt-4o-mini' }), hub))).rejects.toThrow(refusal);
    // The same example fits a model with a larger (or unknown) context: only the pre-flight check is skipped here.
    const predictions = join(dir, 'predictions.jsonl');
    writeFileSync(predictions, '{"index":0,"output":"positive"}\n{"index":1,"output":"negative"}\n');
    await expect(withHub((hub) => runEvalJob(evalConfig(dir, { predictions }), hub))).resolves.toMatchObject({ summary: { n: 2 } });
  });

  it('grimoire eval, on the evaluated split', async () => {
    const toy = writeToyTask({ train: 40, test: 4 });
    writeToySet(join(toy.root, 'set'));
    const testFile = join(toy.taskDir, 'test.json');
    const rows = JSON.parse(readFileSync(testFile, 'utf8')) as { text: string }[];
    rows[1]!.text = LONG;
    writeFileSync(testFile, JSON.stringify(rows));
    const config = {
      dataset: toy.dataset,
      weak: 'openai:gpt-4o-mini',
      grimoires: join(toy.root, 'set'),
      split: 'test',
      seed: 0,
      methods: ['zero-shot' as const],
      shots: 0,
      fewShotDemos: ['random' as const],
      embedder: 'builtin',
      validationSize: 10,
      concurrency: 2,
      runsRoot: join(toy.root, 'runs'),
    };
    await expect(withHub((hub) => evaluateGrimoires(config, hub))).rejects.toThrow(refusal);
  });

  it('grimoire build, on the train examples the strong model samples from', async () => {
    const toy = writeToyTask({ train: 40, test: 4 });
    const trainFile = join(toy.taskDir, 'train.json');
    const rows = JSON.parse(readFileSync(trainFile, 'utf8')) as { text: string }[];
    rows[7]!.text = LONG;
    writeFileSync(trainFile, JSON.stringify(rows));
    const config = {
      dataset: toy.dataset,
      strong: 'openai:gpt-4o-mini',
      embedder: 'builtin',
      samplers: ['random' as const],
      k: 2,
      hardRatios: [],
      seed: 0,
      validationSize: 4,
      hardPoolSize: 10,
      out: join(toy.root, 'set'),
      concurrency: 2,
    };
    await expect(withHub((hub) => buildGrimoires(config, hub))).rejects.toThrow(
      /example 7 \(id train-7\) .*more than openai:gpt-4o-mini's context \(128,000 tokens\)/,
    );
  });
});
