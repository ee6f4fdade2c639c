/**
 * Published training prices of the hosted engines, in US dollars per million training tokens, checked
 * against `--budget` before anything is uploaded. Sources (pricing pages as of 2026-12-07; the numbers are
 * the providers' published supervised fine-tuning rates as the table's author last read them — prices
 * change, so `--price-per-million` overrides the table):
 *   openai     https://platform.openai.com/docs/pricing  (fine-tuning: "Training" column)
 *   together   https://www.together.ai/pricing           (fine-tuning, supervised, LoRA / full, by model size)
 *   fireworks  https://fireworks.ai/pricing              (fine-tuning, by base model size)
 * A job's cost is estimated as price x tokens x epochs, counting 4 characters of the file per token (OpenAI's
 * rule of thumb; the engines' own tokenizers decide the bill).
 */
import type { EngineName } from './engine.js';

export const PRICES_AS_OF = '2026-12-07';

const OPENAI_TRAINING: Array<[RegExp, number]> = [
  [/^gpt-4\.1-nano/, 1.5],
  [/^gpt-4\.1-mini/, 5],
  [/^gpt-4\.1/, 25],
  [/^gpt-4o-mini/, 3],
  [/^gpt-4o/, 25],
  [/^gpt-3\.5-turbo/, 8],
];

/** [largest size in billions of parameters, LoRA price, full price] */
const TOGETHER_SFT: Array<[number, number, number]> = [
  [16, 0.48, 0.54],
  [69, 1.5, 1.65],
  [100, 2.9, 3.2],
];

/** [largest size in billions of parameters, price] */
const FIREWORKS_SFT: Array<[number, number]> = [
  [16, 0.5],
  [80, 3],
  [300, 6],
  [Infinity, 10],
];

/** The model's size in billions of parameters, read from its name ("Llama-3.1-8B", "qwen2p5-72b-instruct"). */
export function sizeInBillions(model: string): number | undefined {
  const match = /(\d+(?:[.p]\d+)?)b(?![a-z])/i.exec(model.replace(/(\d)x(\d)/i, '$1x$2'));
  return match ? Number(match[1]!.replace('p', '.')) : undefined;
}

/** Dollars per million training tokens, or undefined when the table has no price for this model. */
export function trainingPricePerMillion(engine: EngineName, model: string, options: { lora?: boolean } = {}): number | undefined {
  if (engine === 'local') return 0;
  if (engine === 'openai') return OPENAI_TRAINING.find(([pattern]) => pattern.test(model))?.[1];
  const size = sizeInBillions(model);
  if (size === undefined) return undefined;
  if (engine === 'together') {
    const row = TOGETHER_SFT.find(([max]) => size <= max);
    return row ? (options.lora === false ? row[2] : row[1]) : undefined;
  }
  return FIREWORKS_SFT.find(([max]) => size <= max)?.[1];
}

export function estimatedTrainingTokens(content: string, nEpochs: number): number {
  return Math.ceil(content.length / 4) * nEpochs;
}
