/**
 * The model-layer flags every model-using command shares (cache, limits, retries, budget, recording,
 * prices), and the one function that turns them into a ModelHub.
 */
import * as z from '../util/zod.js';
import type { ModelHub } from '../models/hub.js';
import { option, type OptionValues } from './options.js';
import { nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber } from './validate.js';

export const modelLayerOptions = {
  apiKey: option('--api-key <key>', 'API key for the provider (default: OPENAI_API_KEY / ANTHROPIC_API_KEY)', z.string().optional()),
  cache: option(
    '--cache <path|none>',
    'SQLite call cache shared by all runs (default: $APPRENTICE_CACHE or ~/.cache/apprentice/cache.sqlite)',
    z.string().optional(),
  ),
  concurrency: option('--concurrency <n>', 'concurrent calls per provider endpoint', positiveInt, { default: '8', to: 'concurrency' }),
  parallel: option(
    '--parallel <n>',
    'calls a local model (gguf:, builtin:) decodes together in one batch (default: 4 for models of 100 MB or more, else 1)',
    positiveInt.optional(),
  ),
  rpm: option('--rpm <n>', 'requests per minute per endpoint', positiveNumber.optional()),
  tpm: option('--tpm <n>', 'tokens per minute per endpoint', positiveNumber.optional()),
  timeout: option('--timeout <seconds>', 'timeout per attempt', positiveNumber, { default: '120' }),
  retries: option('--retries <n>', 'retries per call after the first attempt', nonNegativeInt, { default: '4' }),
  budget: option('--budget <usd>', 'stop before spending more than this many dollars', nonNegativeNumber.optional()),
  prices: option('--prices <file>', 'JSON/YAML price table overriding the built-in one (USD per 1M tokens)', z.string().optional()),
  record: option('--record <file>', 'append every real call to this JSONL file, to replay it offline with replay:<file>', z.string().optional()),
};

export type ModelLayerSettings = OptionValues<typeof modelLayerOptions>;

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

/** Runs `use` with a hub for these settings, and closes the hub afterwards whatever happens. */
export async function withHub<T>(settings: ModelLayerSettings, use: (hub: ModelHub) => Promise<T>): Promise<T> {
  const hub = await createHub(settings);
  try {
    return await use(hub);
  } finally {
    await hub.close();
  }
}
