/**
 * Batched generation in the gguf / builtin provider: tokens/s of the same prompts generated one call at a
 * time and with every call in flight at once (decoded together over the provider's `parallel` sequences),
 * measured back to back in one run, for random-weight engine models of the named sizes (random weights
 * rarely hit end-of-text, so every call generates --tokens tokens).
 *
 *   npx tsx bench/batching.ts [--sizes small,base] [--parallel 1,2,4] [--calls 24] [--tokens 48]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { saveCheckpoint } from '../src/engine/checkpoint.js';
import { writeCheckpointGguf } from '../src/engine/export.js';
import { configForSize, initialWeights, MODEL_SIZES, type ModelSize } from '../src/engine/model.js';
import { trainTokenizer } from '../src/engine/tokenizer.js';
import { createGgufModel } from '../src/models/providers/gguf.js';
import type { LanguageModel } from '../src/models/types.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'small,base' },
    parallel: { type: 'string', default: '1,2,4' },
    calls: { type: 'string', default: '24' },
    tokens: { type: 'string', default: '48' },
  },
});
const calls = Number(values.calls);
const maxTokens = Number(values.tokens);
const prompts = Array.from({ length: calls }, (_, i) => `Question: What is ${i} plus ${i + 3}?`);

async function tokensPerSecond(model: LanguageModel, atOnce: boolean): Promise<number> {
  const started = performance.now();
  let tokens = 0;
  if (atOnce) {
    const answers = await Promise.all(prompts.map((prompt) => model.generate({ prompt, maxTokens })));
    for (const answer of answers) tokens += answer.usage.completionTokens;
  } else {
    for (const prompt of prompts) tokens += (await model.generate({ prompt, maxTokens })).usage.completionTokens;
  }
  return tokens / ((performance.now() - started) / 1000);
}

const corpus = Array.from({ length: 400 }, (_, i) => `Question: What is ${i} plus ${i + 3}? The answer is ${2 * i + 3}.`);
for (const size of values.sizes.split(',') as ModelSize[]) {
  const dir = await mkdtemp(join(tmpdir(), 'apprentice-bench-batching-'));
  try {
    const tokenizer = trainTokenizer(corpus, { vocabSize: MODEL_SIZES[size].vocabSize, minFrequency: 1 });
    const config = configForSize(size, tokenizer.vocabSize, 256);
    const checkpoint = { config, weights: initialWeights(config, 1), tokenizer, info: {} };
    await saveCheckpoint(dir, checkpoint);
    const path = join(dir, 'model.gguf');
    await writeCheckpointGguf(checkpoint, path, size);
    for (const parallel of values.parallel.split(',').map(Number)) {
      const model = await createGgufModel({ spec: `gguf:${path}`, path, kvCacheType: 'F32', parallel });
      try {
        await model.generate({ prompt: prompts[0]!, maxTokens: 4 }); // warm-up: context creation
        const serial = await tokensPerSecond(model, false);
        const batched = await tokensPerSecond(model, true);
        console.log(
          `${size} (${config.dim}d, ${config.nLayers} layers), parallel ${parallel}: one call at a time ${serial.toFixed(0)} tokens/s, ` +
            `${calls} calls at once ${batched.toFixed(0)} tokens/s, ratio ${(batched / serial).toFixed(2)}`,
        );
      } finally {
        await model.close?.();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
