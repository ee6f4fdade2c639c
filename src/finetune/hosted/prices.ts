/**
 * Published training prices of the hosted engines, in US dollars per million training tokens, checked
 * against `--budget` before anything is uploaded. Prices change, so `--price-per-million` overrides the table.
 *
 * Each rate says where it was verified: a stored copy of the provider's own pricing page, read on 2026-12-07
 * (the pages carry no date of their own). A rate no stored page of the provider confirmed is `verifiedOn: null`
 * and the CLI says so when it uses one; third-party pages that agree with it are named in a comment, but do
 * not count as verification.
 *
 * A job's cost is estimated as price x tokens x epochs, counting 4 characters of the file per token (OpenAI's
 * rule of thumb; the engines' own tokenizers decide the bill).
 */
import type { EngineName } from './engine.js';

export const PRICES_AS_OF = '2026-12-07';

export interface TrainingPrice {
  /** US dollars per million training tokens. */
  perMillion: number;
  /** The provider's page the rate was read on (and when), or null when no stored page of the provider confirmed it. */
  verifiedOn: string | null;
}

const FIREWORKS_PAGE = 'https://fireworks.ai/pricing (stored copy, undated; read 2026-12-07)';

const unverified = (perMillion: number): TrainingPrice => ({ perMillion, verifiedOn: null });

/**
 * OpenAI, by model name. No stored copy of OpenAI's pricing page (platform.openai.com/docs/pricing,
 * openai.com/api/pricing) shows the fine-tuning table, so every rate here is unverified. Third-party pages
 * agree on two: gpt-4o $25 and gpt-4o-mini $3 (tokenmix.ai/blog/openai-fine-tuning-pricing, "April 2026";
 * gpt-4o also artificial-intelligence-wiki.com/.../openai-fine-tuning-pricing); another third-party page gives
 * other numbers, which is why they are not taken as verified.
 */
const OPENAI_TRAINING: Array<[RegExp, TrainingPrice]> = [
  [/^gpt-4\.1-nano/, unverified(1.5)],
  [/^gpt-4\.1-mini/, unverified(5)],
  [/^gpt-4\.1/, unverified(25)],
  [/^gpt-4o-mini/, unverified(3)],
  [/^gpt-4o/, unverified(25)],
  [/^gpt-3\.5-turbo/, unverified(8)],
];

/**
 * Together, supervised fine-tuning by size: [largest size in billions of parameters, LoRA, full]. The size
 * brackets "Up to 16B" and "16.1-69B" are on docs.together.ai/docs/fine-tuning-pricing (stored copy, read
 * 2026-12-07), which sends the rates to together.ai/pricing; no stored copy of that page has the rates, so
 * they are unverified, as is the 100B bracket.
 */
const TOGETHER_SFT: Array<[number, TrainingPrice, TrainingPrice]> = [
  [16, unverified(0.48), unverified(0.54)],
  [69, unverified(1.5), unverified(1.65)],
  [100, unverified(2.9), unverified(3.2)],
];

/** Fireworks models priced by name before size (Mixtral 8x7B would read as 7B). */
const FIREWORKS_BY_NAME: Array<[RegExp, TrainingPrice]> = [
  // "Mixtral 8x7B $2.00" in the fine-tuning table of the page.
  [/mixtral-8x7b/i, { perMillion: 2, verifiedOn: FIREWORKS_PAGE }],
];

/** Fireworks, by size: [largest size in billions of parameters, price]. */
const FIREWORKS_SFT: Array<[number, TrainingPrice]> = [
  // "Models up to 16B parameters $0.50" and "Models 16.1B - 80B $3.00" in the page's fine-tuning table.
  [16, { perMillion: 0.5, verifiedOn: FIREWORKS_PAGE }],
  [80, { perMillion: 3, verifiedOn: FIREWORKS_PAGE }],
  // The stored page has no bracket above 80B.
  [300, unverified(6)],
  [Infinity, unverified(10)],
];

/** The model's size in billions of parameters, read from its name ("Llama-3.1-8B", "qwen2p5-72b-instruct"). */
export function sizeInBillions(model: string): number | undefined {
  const match = /(\d+(?:[.p]\d+)?)b(?![a-z])/i.exec(model.replace(/(\d)x(\d)/i, '$1x$2'));
  return match ? Number(match[1]!.replace('p', '.')) : undefined;
}

/** The table's training price of a model, or undefined when it has none. */
export function trainingPrice(engine: EngineName, model: string, options: { lora?: boolean } = {}): TrainingPrice | undefined {
  if (engine === 'local') return { perMillion: 0, verifiedOn: 'local training costs nothing' };
  if (engine === 'openai') return OPENAI_TRAINING.find(([pattern]) => pattern.test(model))?.[1];
  if (engine === 'fireworks') {
    const named = FIREWORKS_BY_NAME.find(([pattern]) => pattern.test(model))?.[1];
    if (named) return named;
  }
  const size = sizeInBillions(model);
  if (size === undefined) return undefined;
  if (engine === 'together') {
    const row = TOGETHER_SFT.find(([max]) => size <= max);
    return row ? (options.lora === false ? row[2] : row[1]) : undefined;
  }
  return FIREWORKS_SFT.find(([max]) => size <= max)?.[1];
}

/** Dollars per million training tokens, or undefined when the table has no price for this model. */
export function trainingPricePerMillion(engine: EngineName, model: string, options: { lora?: boolean } = {}): number | undefined {
  return trainingPrice(engine, model, options)?.perMillion;
}

export function estimatedTrainingTokens(content: string, nEpochs: number): number {
  return Math.ceil(content.length / 4) * nEpochs;
}
