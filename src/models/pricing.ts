/**
 * Dollar cost of model calls: a built-in price table for common hosted models (each provider's
 * descriptor lists its own), overridable by a user JSON/YAML file (`--prices`). Local providers cost
 * nothing (their descriptors say `pricing: 'free'`). An unknown hosted model costs 0 and is reported
 * once, so a run never crashes (or silently overspends) over a missing price.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { InputError } from '../util/errors.js';
import { yaml } from '../util/lazyYaml.js';
import type { Price, PriceTable } from './core/descriptor.js';
import { CompiledModelTable } from './modelTable.js';
import { PROVIDERS, providerNamed } from './registry.js';
import type { TokenUsage } from './types.js';

export type { Price, PriceTable } from './core/descriptor.js';

/** Date the built-in prices (the hosted providers' descriptors' `prices`) were checked against the published price lists. */
export const DEFAULT_PRICES_AS_OF = '2026-03';

/** The built-in price table: every provider descriptor's own prices. */
export const DEFAULT_PRICES: PriceTable = Object.assign({}, ...PROVIDERS.map((descriptor) => descriptor.prices ?? {}));

/** Whether a provider's calls cost nothing (local models, recordings), as its descriptor says. */
export function isFreeProvider(provider: string): boolean {
  return providerNamed(provider)?.pricing === 'free';
}

export function loadPriceTable(path: string): PriceTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read price table: ${(error as Error).message}`, { file: path, field: 'prices' });
  }
  let value: unknown;
  try {
    value = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : yaml().parse(text);
  } catch (error) {
    throw new InputError(`price table is not valid JSON/YAML: ${(error as Error).message}`, { file: path });
  }
  return parsePriceTable(value, path);
}

/** Validates `{ "<model or glob>": { "input": <usd/1M>, "output": <usd/1M> } }`. */
export function parsePriceTable(value: unknown, file?: string): PriceTable {
  const shape = 'expected { "<model or glob>": { "input": <USD per 1M tokens>, "output": <USD per 1M tokens> } }';
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`price table: ${shape}`, { file });
  }
  const table: PriceTable = {};
  for (const [model, entry] of Object.entries(value as Record<string, unknown>)) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new InputError(`price table: ${shape}`, { file, field: model });
    }
    const price = entry as Record<string, unknown>;
    for (const side of ['input', 'output'] as const) {
      const amount = price[side];
      if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
        throw new InputError(`price must be a non-negative number (USD per 1M tokens), got ${JSON.stringify(amount)}`, {
          file,
          field: `${model}.${side}`,
        });
      }
    }
    table[model] = { input: price.input as number, output: price.output as number };
  }
  return table;
}

const FREE: Price = { input: 0, output: 0 };

/** Prices calls from the built-in price table and the user's overrides. */
export class Pricer {
  private readonly tables: CompiledModelTable<Price>[];
  private readonly resolved = new Map<string, Price | undefined>();
  private readonly warned = new Set<string>();
  private readonly warn: (message: string) => void;

  /** `overrides` take precedence over the built-in table; `warn` reports unknown hosted models once each. */
  constructor(overrides: PriceTable = {}, options: { warn?: (message: string) => void; defaults?: PriceTable } = {}) {
    this.tables = [new CompiledModelTable(overrides), new CompiledModelTable(options.defaults ?? DEFAULT_PRICES)];
    this.warn = options.warn ?? ((message) => process.stderr.write(`warning: ${message}\n`));
  }

  /** The price for this model, or undefined when no table knows it. Local providers are free. */
  priceFor(provider: string, model: string): Price | undefined {
    const id = `${provider}:${model}`;
    if (this.resolved.has(id)) return this.resolved.get(id);
    let price = this.tables[0]?.lookup([model, id]);
    if (!price) price = isFreeProvider(provider) ? FREE : this.tables[1]?.lookup([model, id]);
    this.resolved.set(id, price);
    return price;
  }

  /** Price, or free with a one-time warning naming the model when it is unknown. */
  priceOrWarn(provider: string, model: string): Price {
    const price = this.priceFor(provider, model);
    if (price) return price;
    const id = `${provider}:${model}`;
    if (!this.warned.has(id)) {
      this.warned.add(id);
      this.warn(
        `no price known for ${id}; its calls are counted as $0 (and --budget cannot limit them). ` +
          `Add it to a --prices file: { "${model}": { "input": <USD per 1M tokens>, "output": <USD per 1M tokens> } }`,
      );
    }
    return FREE;
  }

  cost(provider: string, model: string, usage: TokenUsage): number {
    return costOf(this.priceOrWarn(provider, model), usage.promptTokens, usage.completionTokens);
  }

  /** Models seen without a known price so far. */
  unknownModels(): string[] {
    return [...this.warned];
  }
}

export function costOf(price: Price, promptTokens: number, completionTokens: number): number {
  return (promptTokens * price.input + completionTokens * price.output) / 1_000_000;
}
