/**
 * The model-layer flags every model-using command shares (cache, limits, retries, budget, recording,
 * prices), and the one function that turns them into a ModelHub.
 */
import { Command } from 'commander';
import { z } from 'zod';
import type { ModelHub } from '../models/hub.js';
import { nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber } from './validate.js';

export function addModelLayerOptions(command: Command): Command {
  return command
    .option('--api-key <key>', 'API key for the provider (default: OPENAI_API_KEY / ANTHROPIC_API_KEY)')
    .option('--cache <path|none>', 'SQLite call cache shared by all runs (default: $APPRENTICE_CACHE or ~/.cache/apprentice/cache.sqlite)')
    .option('--concurrency <n>', 'concurrent calls per provider endpoint', '8')
    .option('--parallel <n>', 'calls a local model (gguf:, builtin:) decodes together in one batch', '1')
    .option('--rpm <n>', 'requests per minute per endpoint')
    .option('--tpm <n>', 'tokens per minute per endpoint')
    .option('--timeout <seconds>', 'timeout per attempt', '120')
    .option('--retries <n>', 'retries per call after the first attempt', '4')
    .option('--budget <usd>', 'stop before spending more than this many dollars')
    .option('--prices <file>', 'JSON/YAML price table overriding the built-in one (USD per 1M tokens)')
    .option('--record <file>', 'append every real call to this JSONL file, to replay it offline with replay:<file>');
}

export const modelLayerSchema = z.object({
  apiKey: z.string().optional(),
  cache: z.string().optional(),
  concurrency: positiveInt,
  parallel: positiveInt,
  rpm: positiveNumber.optional(),
  tpm: positiveNumber.optional(),
  timeout: positiveNumber,
  retries: nonNegativeInt,
  budget: nonNegativeNumber.optional(),
  prices: z.string().optional(),
  record: z.string().optional(),
});

export type ModelLayerSettings = z.output<typeof modelLayerSchema>;

/** The hub for these settings (loaded on first use, so commands that call no model never load the model layer). */
export async function createHub(settings: ModelLayerSettings): Promise<ModelHub> {
  const [{ ModelHub }, { loadPriceTable }] = await Promise.all([import('../models/hub.js'), import('../models/pricing.js')]);
  return new ModelHub({
    cachePath: settings.cache,
    concurrency: settings.concurrency,
    localParallel: settings.parallel,
    requestsPerMinute: settings.rpm,
    tokensPerMinute: settings.tpm,
    timeoutMs: settings.timeout * 1000,
    maxRetries: settings.retries,
    budgetUsd: settings.budget,
    recordPath: settings.record,
    prices: settings.prices ? loadPriceTable(settings.prices) : undefined,
    apiKey: settings.apiKey,
  });
}
